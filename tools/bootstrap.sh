#!/bin/sh
# Installs everything Capsule needs from Debian's packages.  Non-interactive
# and idempotent: when every package is already installed it touches nothing
# (no apt-get update).  Run as root, or with sudo available.
#
#   tools/bootstrap.sh          what the build, `scons test` and `scons bench` need
#   tools/bootstrap.sh linux    also what os=linux and os=both need (docs/linux.md):
#                               Linux's source, the riscv64 glibc cross compiler and
#                               the kernel build's tools (about 250 MB; not by default,
#                               so a clean machine's CI stays short)
set -eu

PACKAGES="
gcc-riscv64-unknown-elf
binutils-riscv64-unknown-elf
newlib-source
qemu-system-misc
opensbi
u-boot-qemu
scons
python3
python3-matplotlib
gdb-multiarch
device-tree-compiler
gcc
libc6-dev
libcmocka-dev
clang
libclang-rt-dev
xz-utils
cpio
"

LINUX_PACKAGES="
linux-source-6.1
gcc-riscv64-linux-gnu
libc6-dev-riscv64-cross
bc
flex
bison
"

case "${1:-}" in
    "") ;;
    linux) PACKAGES="$PACKAGES $LINUX_PACKAGES" ;;
    *) echo "usage: $0 [linux]" >&2; exit 2 ;;
esac

missing=""
for pkg in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $pkg"
    fi
done

if [ -z "$missing" ]; then
    echo "bootstrap: all packages present"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "bootstrap: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
echo "bootstrap: done"
