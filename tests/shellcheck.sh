#!/usr/bin/env bash
# Lints every shell script in the repository with shellcheck: each *.sh outside
# node_modules/.git/bin, plus extension-less files whose first line names bash or
# sh (such as .ci/run). Any finding, warnings and style notes included, fails.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

command -v shellcheck >/dev/null || { echo "shellcheck.sh: shellcheck is not installed" >&2; exit 2; }

scripts=()
while IFS= read -r -d '' file; do
  case $file in
    *.sh) scripts+=("$file") ;;
    *)
      # Extension-less scripts: only those with a bash/sh shebang.
      if head -n 1 -- "$file" 2>/dev/null | grep -Eq '^#!.*(/|env )(ba)?sh([[:space:]]|$)'; then
        scripts+=("$file")
      fi
      ;;
  esac
done < <(find . \( -path ./node_modules -o -path ./.git -o -path ./bin -o -path ./bench/out -o -name node_modules \) -prune \
  -o -type f \( -name '*.sh' -o ! -name '*.*' \) -print0 | sort -z)

if ((${#scripts[@]} == 0)); then
  echo "shellcheck.sh: no shell scripts found under $root" >&2
  exit 1
fi

# The pod scripts' lib.sh sources contract.sh, which is rendered from
# components/mysql-cluster/contract.ts into the ConfigMap, not kept as a file:
# render it here, so shellcheck follows it and knows every name it defines.
contract_dir=$(mktemp -d)
trap 'rm -rf "$contract_dir"' EXIT
"$root/node_modules/.bin/tsx" -e 'import { renderShellContract } from "./components/mysql-cluster/contract";
process.stdout.write(renderShellContract());' >"$contract_dir/contract.sh"

status=0
for file in "${scripts[@]}"; do
  if shellcheck -x --source-path=SCRIPTDIR --source-path="$contract_dir" --severity=style -- "$file"; then
    echo "ok      ${file#./}"
  else
    echo "FAILED  ${file#./}"
    status=1
  fi
done
echo "shellcheck: checked ${#scripts[@]} script(s); $( ((status == 0)) && echo "no findings" || echo "findings above")"
exit "$status"
