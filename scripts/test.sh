#!/usr/bin/env bash
# `npm test`: every check, in the order a failure is cheapest to find. Needs PostgreSQL
# and Redis on 127.0.0.1 (the unit/integration and end-to-end tests use their own
# databases and key prefixes) and Chromium at /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -t 1 ]]; then bold=$'\e[1m' red=$'\e[31m' green=$'\e[32m' reset=$'\e[0m'; else bold='' red='' green='' reset=''; fi

now_ms() { date +%s%3N; }
secs() { printf '%d.%01ds' $(($1 / 1000)) $((($1 % 1000) / 100)); }

started=$(now_ms)
current=''
summary=()

finish() {
  local rc=$?
  echo
  echo "${bold}== npm test summary${reset}"
  for line in "${summary[@]}"; do echo "  $line"; done
  if ((rc != 0)); then
    echo "  ${red}FAILED${reset} ${current:-(before the first step)} (exit $rc)"
  else
    echo "  ${green}all steps passed${reset}"
  fi
  echo "  total $(secs $(($(now_ms) - started)))"
  exit "$rc"
}
trap finish EXIT

step() {
  local name=$1
  shift
  current=$name
  echo
  echo "${bold}==> ${name}${reset}  ($*)"
  local t0
  t0=$(now_ms)
  "$@"
  summary+=("$(printf '%-18s %8s' "$name" "$(secs $(($(now_ms) - t0)))")")
  current=''
}

step 'prisma generate' npx prisma generate
step 'typecheck' npm run typecheck
step 'lint' npm run lint
step 'unit+integration' npx vitest run
step 'build' npm run build
step 'e2e' npx playwright test
