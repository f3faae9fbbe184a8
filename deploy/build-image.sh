#!/usr/bin/env bash
# Builds Tollgate's image from deploy/Dockerfile with buildah, on a machine that reaches Debian's package archive
# but no image registry: the build stage's base is made here, from Debian packages (debootstrap: minbase with
# Maven and nftables, whose nft the final stage copies) plus the local JDK 25 (Temurin's, which is no Debian
# package); the final stage is FROM scratch and needs no base. Maven runs offline against this machine's ~/.m2, mounted into the build.
#
#   deploy/build-image.sh [TAG]          default TAG: localhost/tollgate:dev (what deploy/kustomization.yaml names)
#
# Needs root, buildah and debootstrap (apt-get install buildah debootstrap). Environment:
#   TOLLGATE_BUILD_JDK     the JDK for the build stage (default: the newest /usr/lib/jvm/*25* with jlink)
#   TOLLGATE_IMAGE_WORK    where the Debian tree is kept between runs (default: /var/tmp/tollgate-image)
#   BUILDAH_ISOLATION      buildah's RUN isolation (default here: chroot, which works inside a container too)
# With a registry at hand, none of this is needed: 'buildah bud -f deploy/Dockerfile .' uses the Dockerfile's
# default base.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tag="${1:-localhost/tollgate:dev}"
work="${TOLLGATE_IMAGE_WORK:-/var/tmp/tollgate-image}"
# named for what it holds: a base made before nftables was in it gets rebuilt, not reused
base=localhost/tollgate-build-base:bookworm-jdk25-nft
export BUILDAH_ISOLATION="${BUILDAH_ISOLATION:-chroot}"

for tool in buildah debootstrap; do
  command -v "$tool" >/dev/null || { echo "build-image: needs $tool (apt-get install buildah debootstrap)" >&2; exit 2; }
done
jdk="${TOLLGATE_BUILD_JDK:-$(ls -d /usr/lib/jvm/*25* 2>/dev/null | sort -rV | while read -r d; do
  [ -x "$d/bin/jlink" ] && echo "$d" && break; done)}"
[ -n "$jdk" ] && [ -x "$jdk/bin/jlink" ] || { echo "build-image: no JDK 25 with jlink (set TOLLGATE_BUILD_JDK)" >&2; exit 2; }

start=$(date +%s)
if ! buildah inspect --type image "$base" >/dev/null 2>&1; then
  if [ ! -e "$work/rootfs/.complete" ] || [ ! -x "$work/rootfs/usr/sbin/nft" ]; then
    # the machine's own Debian mirror, as apt uses it
    mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
    rm -rf "$work/rootfs" && mkdir -p "$work"
    echo "build-image: debootstrap bookworm (minbase + maven, nftables) into $work/rootfs"
    debootstrap --variant=minbase --include=maven,nftables bookworm "$work/rootfs" ${mirror:+"$mirror"} >"$work/debootstrap.log"
    touch "$work/rootfs/.complete"
  fi
  echo "build-image: base image $base (Debian tree + $jdk)"
  ctr="$(buildah from scratch)"
  buildah copy --quiet "$ctr" "$work/rootfs" / >/dev/null
  buildah copy --quiet "$ctr" "$jdk" /opt/jdk >/dev/null
  buildah config --env JAVA_HOME=/opt/jdk \
    --env PATH=/opt/jdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  buildah commit --quiet --rm "$ctr" "$base" >/dev/null
fi
based=$(date +%s)

mkdir -p "$HOME/.m2"
echo "build-image: building $tag"
# the local repository is mounted read-write as on the host: 'package' only reads it offline, never installs
buildah bud --layers -f "$root/deploy/Dockerfile" --build-arg BUILD_IMAGE="$base" --build-arg MAVEN_ARGS=-o \
  -v "$HOME/.m2:/root/.m2" -t "$tag" "$root"
built=$(date +%s)

# the image runs: as uid 1337, the linked runtime starts the CLI, and a TLS handshake's crypto is in the runtime
ctr="$(buildah from "$tag")"
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
uid="$(buildah run "$ctr" -- /opt/tollgate/jre/bin/java -XX:-UsePerfData -XshowSettings:properties -version 2>&1 \
  | sed -n 's/^ *user.name = //p')"
buildah run "$ctr" -- /opt/tollgate/jre/bin/java -XX:-UsePerfData -jar /opt/tollgate/tollgate.jar --version
# the init container's nft: present on the PATH, with every library it loads
buildah run "$ctr" -- nft --version
buildah run "$ctr" -- /opt/tollgate/jre/bin/java -XX:-UsePerfData -jar /opt/tollgate/tollgate.jar ca init --dir /tmp/ca \
  >/dev/null
[ "$(buildah inspect --format '{{.OCIv1.Config.User}}' "$tag")" = "1337:1337" ] \
  || { echo "build-image: the image does not run as 1337:1337" >&2; exit 1; }
echo "build-image: $tag: $(buildah images --format '{{.Size}}' "$tag" | head -1); user ${uid:-1337};" \
  "base $((based - start)) s, build $((built - based)) s"
