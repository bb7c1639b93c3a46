#!/usr/bin/env bash
# Build a local Debian bookworm base image with Python, without any container registry:
# debootstrap a minimal root filesystem from Debian's packages and `docker import` it.
#
# Usage: tools/build_base_image.sh [TAG]        (default TAG: mow-base:bookworm; needs root)
# Env:   DEBIAN_MIRROR (default: the first deb.debian.org-style URI apt uses here, else deb.debian.org)
set -euo pipefail
tag="${1:-mow-base:bookworm}"

if docker image inspect "$tag" >/dev/null 2>&1 && [ -z "${MOW_REBUILD_BASE:-}" ]; then
  echo "base image $tag exists (set MOW_REBUILD_BASE=1 to rebuild)"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "error: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "error: debootstrap needs root" >&2; exit 2; }

mirror="${DEBIAN_MIRROR:-$(grep -rhoE '^URIs: *http[^ ]*/debian$' /etc/apt/sources.list.d/ 2>/dev/null | head -n1 | sed 's/^URIs: *//')}"
mirror="${mirror:-http://deb.debian.org/debian}"
root="$(mktemp -d /tmp/mow-rootfs.XXXXXX)"
trap 'rm -rf "$root"' EXIT

echo "debootstrap bookworm from $mirror into $root"
debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
  bookworm "$root" "$mirror" >/tmp/mow-debootstrap.log 2>&1 \
  || { tail -n 20 /tmp/mow-debootstrap.log >&2; echo "error: debootstrap failed (log: /tmp/mow-debootstrap.log)" >&2; exit 1; }

# The host's CA bundle, so that build steps which do reach a registry trust the same proxies the host does.
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/*

tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8' \
  --change 'CMD ["/bin/bash"]' - "$tag" >/dev/null
echo "built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | numfmt --to=iec))"
