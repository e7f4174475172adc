#!/bin/sh
# Installs everything Capsule needs from Debian's packages.  Non-interactive
# and idempotent: when every package is already installed it touches nothing
# (no apt-get update).  Run as root, or with sudo available.
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
"

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
