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
# A face taken out of its package (FandolFang: one file of texlive-lang-chinese).
while read -r package member target; do
  [ -n "$package" ] || continue
  "${as_root[@]}" ./scripts/extract_font.sh "$package" "$member" "$target" \
    || echo "fonts: could not take $(basename "$member") out of $package (the body is set in the song face)"
done <<< "$members"
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
