# Shared settings for the ci/x86-emu scripts (sourced, not run). Everything
# cached lives under build/x86-emu/ (repo-relative, git-ignored).
EMU_NAME=x86-emu EMU_TAG=ci/x86-emu
. "$(dirname "${BASH_SOURCE[0]}")/../emu/lib.sh"
X86EMU_DIR=$EMU_DIR
