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
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  install_debian "${missing[@]}"
fi

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "not gofmt-formatted:"; echo "$unformatted"; exit 1
fi
go vet ./...
go test -count=1 "$@" ./...
