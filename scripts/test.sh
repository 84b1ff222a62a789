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
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  install_debian "${missing[@]}"
fi

# node-postgres for cmd/novelty's client tests, kept outside the repository.
export NOVELTY_TEST_NPM_DIR="${NOVELTY_TEST_NPM_DIR:-$HOME/.cache/novelty-test-npm}"
if ! grep -qs '"version": "8.23.1"' "$NOVELTY_TEST_NPM_DIR/node_modules/pg/package.json"; then
  echo "installing: npm pg@8.23.1 into $NOVELTY_TEST_NPM_DIR"
  mkdir -p "$NOVELTY_TEST_NPM_DIR"
  npm install --no-save --no-audit --no-fund --prefix "$NOVELTY_TEST_NPM_DIR" pg@8.23.1
fi

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "not gofmt-formatted:"; echo "$unformatted"; exit 1
fi
go vet ./...
go test -count=1 "$@" ./...

# Short fuzzing runs: the wire protocol and the parser must survive any input.
go test ./wire -run '^$' -fuzz FuzzServerMessages -fuzztime 10s
go test ./parser -run '^$' -fuzz FuzzParse -fuzztime 10s
