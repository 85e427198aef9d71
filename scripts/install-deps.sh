#!/bin/sh
# SPDX-License-Identifier: MIT
# install-deps.sh -- install the libraries lockstep builds against, if
# pkg-config cannot find them.  Debian and Ubuntu: apt-get; elsewhere, say
# which packages are needed.
set -e
pkgs="${*:-ck libpmem yaml-0.1 check}"
if pkg-config --exists $pkgs 2>/dev/null; then
	exit 0
fi
debs="libck-dev libpmem-dev libyaml-dev check pkg-config build-essential"
if command -v apt-get >/dev/null 2>&1; then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo="sudo"
	echo "lockstep: installing $debs" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $debs >/dev/null
	exit 0
fi
echo "lockstep: missing libraries ($pkgs); install the packages" >&2
echo "  Debian/Ubuntu: $debs" >&2
echo "  Fedora: ck-devel libpmem-devel libyaml-devel check-devel pkgconf" >&2
exit 1
