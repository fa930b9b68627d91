#!/usr/bin/env bash
# make run: installs the Debian packages of the letter fonts that are
# missing (letters/fonts.py SOURCES), where it can: as root or with
# password-less sudo, on a system with apt-get. Never fails: without the
# fonts everything but the letters works, and `manage.py bootstrap` says
# once what is missing and how to add it.
cd "$(dirname "$0")/.." || exit 0
missing=$(.venv/bin/python manage.py prepare_fonts --missing-packages 2>/dev/null) || exit 0
members=$(.venv/bin/python manage.py prepare_fonts --missing-members 2>/dev/null) || exit 0
[ -n "$missing$members" ] || exit 0
command -v apt-get >/dev/null || exit 0
if [ "$(id -u)" = 0 ]; then as_root=(); elif sudo -n true 2>/dev/null; then as_root=(sudo -n); else exit 0; fi
# Faces taken out of their package (FandolFang, FandolSong-Bold: files of
# texlive-lang-chinese), one download a package for all its files.
for package in $(awk 'NF { print $1 }' <<< "$members" | sort -u); do
  # shellcheck disable=SC2046 # member and target pairs, one a word
  "${as_root[@]}" ./scripts/extract_font.sh "$package" $(awk -v p="$package" '$1 == p { print $2, $3 }' <<< "$members") \
    || echo "fonts: could not take every face out of $package (the letters fall back to the faces they have)"
done
[ -n "$missing" ] || exit 0
# shellcheck disable=SC2086 # one package a word
echo "fonts: installing" $missing
if ! { timeout 300 "${as_root[@]}" apt-get update -qq \
       && DEBIAN_FRONTEND=noninteractive timeout 600 "${as_root[@]}" apt-get install -y -qq $missing; } >/dev/null 2>&1; then
  echo "fonts: could not install them (no network or no package source?)"
elif still=$(.venv/bin/python manage.py prepare_fonts --missing-packages 2>/dev/null) && [ -n "$still" ]; then
  # apt-get says they are installed, yet the files are not where the
  # letters look (a package removed by hand, a hidden folder).
  echo "fonts: still missing after apt-get:" $still
fi
exit 0
