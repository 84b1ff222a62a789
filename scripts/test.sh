#!/usr/bin/env bash
# Runs Novelty's whole test suite: vet, unit tests, SQL logic tests and the
# client integration tests. It installs what the tests need when missing
# (Debian packages), so a fresh machine needs only Go.
set -euo pipefail
cd "$(dirname "$0")/.."
export CGO_ENABLED=0

install_debian() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}

missing=()
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
[ -f /usr/share/java/postgresql.jar ] || missing+=(libpostgresql-jdbc-java)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  install_debian "${missing[@]}"
fi

# npm packages the tests run, kept outside the repository: node-postgres
# (client tests), kinesalite (a Kinesis API on loopback), dbmate (migrations).
# One install command: a later --no-save install would prune the others.
export NOVELTY_TEST_NPM_DIR="${NOVELTY_TEST_NPM_DIR:-$HOME/.cache/novelty-test-npm}"
npm_packages=(pg@8.23.1 kinesalite@3.3.3 dbmate@2.36.0)
for package in "${npm_packages[@]}"; do
  if ! grep -qs "\"version\": \"${package##*@}\"" "$NOVELTY_TEST_NPM_DIR/node_modules/${package%@*}/package.json"; then
    echo "installing: npm ${npm_packages[*]} into $NOVELTY_TEST_NPM_DIR"
    mkdir -p "$NOVELTY_TEST_NPM_DIR"
    npm install --no-save --no-audit --no-fund --prefix "$NOVELTY_TEST_NPM_DIR" "${npm_packages[@]}"
    break
  fi
done

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "not gofmt-formatted:"; echo "$unformatted"; exit 1
fi
go vet ./...
go test -count=1 "$@" ./...

# Short fuzzing runs: the wire protocol and the parser must survive any input.
go test ./wire -run '^$' -fuzz FuzzServerMessages -fuzztime 10s
go test ./parser -run '^$' -fuzz FuzzParse -fuzztime 10s
