# Shared helpers for the ci/arm64 scripts (sourced, not run): the common
# emulation helpers (apt cache, module and library closure, result transport)
# are ci/emu/lib.sh's; this sets where arm64's live and keeps the names the
# arm64 scripts use. Everything cached lives under build/arm64-emu/.
EMU_NAME=arm64-emu EMU_TAG=ci/arm64
. "$(dirname "${BASH_SOURCE[0]}")/../emu/lib.sh"

ARM64_ROOT=$EMU_ROOT
ARM64_EMU=$EMU_DIR
ARM64_CACHE=$EMU_CACHE

arm64_die() { emu_die "$@"; }
arm64_log() { emu_log "$@"; }
