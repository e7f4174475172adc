"""Capsule's SCons helpers: toolchain set-up, the newlib build, image linking and the run/test aliases."""
