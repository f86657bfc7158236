#!/bin/bash
# Every command's --help gives the README's exit codes, and the commands exit
# that way for a bad option, an unwritable output and a file that is no
# result (ci/help_exit_codes.py parses both sides). ~1 s.
# Usage: ci/test-help-exit-codes.sh [HVBENCH_BINARY]   (default bin/hvbench)
set -u
cd "$(dirname "$0")/.."

HVBENCH=${1:-${HVBENCH:-bin/hvbench}}
if ! command -v python3 >/dev/null; then
	echo "SKIP: python3 missing (ci/help_exit_codes.py needs it)"
	exit 0
fi
if [ ! -x "$HVBENCH" ]; then
	echo "FAIL: $HVBENCH not built (run make first)"
	exit 1
fi
python3 ci/help_exit_codes.py "$HVBENCH" README.md
