#!/usr/bin/env bash
# Takes one font file out of a Debian package, without installing the
# package: FandolFang (the letters' 仿宋 body face) ships only inside
# texlive-lang-chinese, whose dependencies are 21 packages and 264 MB.
#   scripts/extract_font.sh PACKAGE MEMBER TARGET
# MEMBER is the file's path inside the package, TARGET where it goes
# (a system font folder, so root). Exits non-zero when it could not.
set -euo pipefail
package=$1 member=$2 target=$3
[ -f "$target" ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"   # apt's sandbox user writes the download here
(cd "$work" && timeout 600 apt-get download -qq "$package" >/dev/null 2>&1) \
  || { apt-get update -qq >/dev/null 2>&1 && (cd "$work" && timeout 600 apt-get download -qq "$package" >/dev/null 2>&1); }
deb=$(ls "$work"/*.deb)
mkdir -p "$(dirname "$target")"
dpkg-deb --fsys-tarfile "$deb" | tar -xO "./$member" > "$target.tmp"
[ -s "$target.tmp" ] || { rm -f "$target.tmp"; exit 1; }
mv "$target.tmp" "$target"
chmod 644 "$target"
echo "fonts: $(basename "$target") taken out of $package into $(dirname "$target")"
