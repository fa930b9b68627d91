#!/usr/bin/env bash
# Takes font files out of a Debian package, without installing the
# package: FandolFang (the letters' 仿宋 body face) and FandolSong-Bold (the
# 小标宋-like face of mastheads and titles) ship only inside
# texlive-lang-chinese, whose dependencies are 21 packages and 264 MB.
#   scripts/extract_font.sh PACKAGE MEMBER TARGET [MEMBER TARGET ...]
# MEMBER is a file's path inside the package, TARGET where it goes
# (a system font folder, so root). The package (49 MB) is downloaded once
# for all the files asked for. Exits non-zero when one could not be had.
set -euo pipefail
package=$1; shift
[ $# -ge 2 ] && [ $(($# % 2)) -eq 0 ] || { echo "usage: $0 PACKAGE MEMBER TARGET [MEMBER TARGET ...]" >&2; exit 2; }
wanted=()
while [ $# -ge 2 ]; do
  [ -f "$2" ] || wanted+=("$1" "$2")
  shift 2
done
[ ${#wanted[@]} -gt 0 ] || exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"   # apt's sandbox user writes the download here
(cd "$work" && timeout 600 apt-get download -qq "$package" >/dev/null 2>&1) \
  || { apt-get update -qq >/dev/null 2>&1 && (cd "$work" && timeout 600 apt-get download -qq "$package" >/dev/null 2>&1); }
deb=$(ls "$work"/*.deb)
status=0
set -- "${wanted[@]}"
while [ $# -ge 2 ]; do
  member=$1 target=$2; shift 2
  mkdir -p "$(dirname "$target")"
  dpkg-deb --fsys-tarfile "$deb" | tar -xO "./$member" > "$target.tmp" 2>/dev/null || true
  if [ -s "$target.tmp" ]; then
    mv "$target.tmp" "$target"
    chmod 644 "$target"
    echo "fonts: $(basename "$target") taken out of $package into $(dirname "$target")"
  else
    rm -f "$target.tmp"
    echo "fonts: $member is not in $package" >&2
    status=1
  fi
done
exit $status
