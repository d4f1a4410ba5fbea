#!/usr/bin/env bash
# make deb: dist/retention-agent_<version>_amd64.deb, the project in a private virtual
# environment under /opt/retention-agent on Debian 12's own python3 (with its python3-gi,
# so the tray has a menu), /usr/bin/retention, two menu entries, an icon and the agent's
# system-wide autostart entry. Every file is dpkg's: `apt-get remove` takes all of them;
# the users' vaults (in their home folders) are never touched.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
VERSION=$(/usr/bin/python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')
PREFIX=/opt/retention-agent
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
PKG="$STAGE/pkg"

# The venv is built where it will live, then moved into the package tree: scripts'
# first lines and pyvenv.cfg name the real path, never the staging one.
if [ -e "$PREFIX" ] && ! dpkg -S "$PREFIX" >/dev/null 2>&1; then
    echo "build-deb: $PREFIX exists and is not from the package; remove it first" >&2
    exit 1
fi
BUILD=$(mktemp -d /opt/.retention-agent-build.XXXXXX)
/usr/bin/python3 -m venv --system-site-packages "$BUILD/venv"
"$BUILD/venv/bin/pip" install -q --no-compile "$ROOT"
# Point everything at $PREFIX, then compile with that path so no .pyc is written later.
grep -rlI --null "$BUILD/venv" "$BUILD/venv" | xargs -0 -r sed -i "s|$BUILD/venv|$PREFIX|g"
mkdir -p "$PKG$(dirname "$PREFIX")"
mv "$BUILD/venv" "$PKG$PREFIX"
rmdir "$BUILD"
/usr/bin/python3 -m compileall -q -j 0 -s "$PKG" -p / "$PKG$PREFIX/lib" >/dev/null
install -m 0755 packaging/linux/retention-status-window "$PKG$PREFIX/bin/"

install -d "$PKG/usr/bin" "$PKG/usr/share/applications" "$PKG/etc/xdg/autostart" \
    "$PKG/usr/share/icons/hicolor/scalable/apps" "$PKG/usr/share/doc/retention-agent" "$PKG/DEBIAN"
ln -s "$PREFIX/bin/retention" "$PKG/usr/bin/retention"
install -m 0644 packaging/linux/retention-status.desktop "$PKG/usr/share/applications/dk.redbarnet.retention-status.desktop"
install -m 0644 packaging/linux/retention-photos.desktop "$PKG/usr/share/applications/dk.redbarnet.retention-photos.desktop"
install -m 0644 packaging/linux/retention-agent-autostart.desktop "$PKG/etc/xdg/autostart/retention-agent.desktop"
install -m 0644 packaging/icons/retention-agent.svg "$PKG/usr/share/icons/hicolor/scalable/apps/retention-agent.svg"
install -m 0644 docs/guide.md docs/brugervejledning.md "$PKG/usr/share/doc/retention-agent/"

SIZE=$(du -sk "$PKG" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@SIZE@/$SIZE/" packaging/linux/control > "$PKG/DEBIAN/control"
install -m 0755 packaging/linux/postrm "$PKG/DEBIAN/postrm"
# No DEBIAN/conffiles: dpkg keeps a conffile after `apt-get remove` (only purge takes
# it), and a login item left behind would start a program that is gone. A user who wants
# the agent not to start hides it with `retention agent uninstall` (Hidden=true in their
# own ~/.config/autostart), which no package change touches.

mkdir -p dist
OUT="dist/retention-agent_${VERSION}_amd64.deb"
dpkg-deb --root-owner-group -Zgzip -z6 --build "$PKG" "$OUT" >/dev/null
echo "$OUT"
