#!/usr/bin/env bash
# Builds the Debian packages platform-controller and platform-agent (amd64) from this tree:
# a self-contained `dotnet publish` of each daemon (the .NET runtime inside: Debian 12 has no
# .NET 10 runtime package), its systemd unit, its conffile under /etc/platform and its
# maintainer scripts, packed by dpkg-deb with root ownership and no root needed.
# The controller's package also carries the operator CLI, platformctl, beside the daemon
# (sharing its runtime files) and as /usr/bin/platformctl.
# The version is the one in VERSION.
# usage: build.sh [--output DIR] [--compression xz|gzip] [controller|agent]...
#   default: both daemons, into dist/, xz (as Debian's archive does; gzip packs in a third of
#   the time, for test runs).
set -euo pipefail

DEB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$DEB/../.." && pwd)
OUTPUT=$REPO/dist
COMPRESSION=xz
DAEMONS=()

log() { printf '%s package: %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
        --output) OUTPUT=$2; shift 2 ;;
        --compression) COMPRESSION=$2; shift 2 ;;
        controller|agent) DAEMONS+=("$1"); shift ;;
        *) die "unknown argument '$1' (usage: build.sh [--output DIR] [--compression xz|gzip] [controller|agent]...)" ;;
    esac
done
# lintian accepts no other compression (zstd is "malformed-deb-archive" to it).
case "$COMPRESSION" in xz|gzip) ;; *) die "--compression must be xz or gzip" ;; esac
[ "${#DAEMONS[@]}" -gt 0 ] || DAEMONS=(controller agent)

for tool in dotnet dpkg-deb dpkg-shlibdeps; do
    command -v "$tool" >/dev/null || die "$tool not found (packages: dotnet SDK, dpkg, dpkg-dev)"
done

VERSION=$(tr -d '[:space:]' < "$REPO/VERSION")
[[ $VERSION =~ ^[0-9]+(\.[0-9]+)*([~+][A-Za-z0-9.+~]+)?$ ]] || die "VERSION '$VERSION' is not a Debian version"
ARCH=amd64
RID=linux-x64
# Who builds the packages answers for them: Debian's DEBFULLNAME and DEBEMAIL, as dch uses them.
MAINTAINER="${DEBFULLNAME:-Platform maintainers} <${DEBEMAIL:-platform-maintainers@example.org}>"
[[ $MAINTAINER =~ ^[^\<\>]+\ \<[^\<\>[:space:]]+@[^\<\>[:space:]]+\>$ ]] || die "DEBFULLNAME/DEBEMAIL do not make a maintainer (Name <address>): $MAINTAINER"
# Timestamps (file mtimes, the changelog's date) come from the last commit, so the same tree
# packs the same way.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$REPO" log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH

# The staged trees; the dotnet build itself goes to the projects' obj/ and bin/ under the
# runtime identifier, next to the development build, whose libraries it reuses.
WORK=$OUTPUT/.build
mkdir -p "$OUTPUT" "$WORK"

# publish NAME PROJECT: a self-contained build into $WORK/publish/NAME.
publish() {
    local name=$1 project=$2 out=$WORK/publish/$1
    log "publishing the $name (self-contained, $RID)"
    rm -rf "$out"
    # No extra properties: with the same global properties as `dotnet build`, the referenced
    # libraries are that build's, up to date, and not compiled again.
    dotnet publish "$REPO/$project" -c Release -r "$RID" --self-contained -nologo -v quiet -o "$out"
    # The LTTng trace provider is optional (the runtime loads it only when present) and would
    # drag liblttng-ust in; Microsoft's own runtime images leave it out too.
    rm -f "$out/libcoreclrtraceptprovider.so"
}

# merge_tool TOOL LIB: a tool published beside the daemon into LIB. Both are self-contained
# builds of the same SDK, so the files they share are the same files; one that differs would
# break one of the two, and stops the build.
merge_tool() {
    local tool=$WORK/publish/$1 lib=$2 file
    while IFS= read -r -d '' file; do
        if [ -e "$lib/$file" ]; then
            cmp -s "$tool/$file" "$lib/$file" || die "$1 and the daemon both ship $file, in different versions"
        else
            install -d -m 0755 "$(dirname "$lib/$file")"
            cp "$tool/$file" "$lib/$file"
        fi
    done < <(cd "$tool" && find . -type f -printf '%P\0')
}

# stage NAME APP [TOOL]: the package's tree under $WORK/root/platform-NAME (with TOOL, published
# beside the daemon, on the PATH as /usr/bin/TOOL).
stage() {
    local name=$1 package=platform-$1 root=$WORK/root/platform-$1 app=$2 tool=${3:-}
    local lib=$root/usr/lib/$package doc=$root/usr/share/doc/$package
    rm -rf "$root"
    install -d -m 0755 "$lib" "$doc" "$root/lib/systemd/system" "$root/etc/platform" \
        "$root/usr/share/lintian/overrides" "$root/DEBIAN"
    cp -R "$WORK/publish/$name/." "$lib/"
    [ -z "$tool" ] || merge_tool "$tool" "$lib"
    # Regular files 0644, the executables 0755, whatever the umask of the build was.
    find "$lib" -type d -exec chmod 0755 {} +
    find "$lib" -type f -exec chmod 0644 {} +
    chmod 0755 "$lib/$app" "$lib/createdump"
    if [ -n "$tool" ]; then
        chmod 0755 "$lib/$tool"
        install -d -m 0755 "$root/usr/bin" "$root/usr/share/man/man1"
        ln -s "../lib/$package/$tool" "$root/usr/bin/$tool"
        gzip -9n < "$DEB/$package/$tool.1" > "$root/usr/share/man/man1/$tool.1.gz"
        chmod 0644 "$root/usr/share/man/man1/$tool.1.gz"
    fi

    install -m 0644 "$REPO/packaging/systemd/$package.service" "$root/lib/systemd/system/"
    install -m 0644 "$DEB/$package/$name.json" "$root/etc/platform/"
    install -m 0644 "$DEB/$package/README.Debian" "$doc/"
    install -m 0644 "$DEB/copyright" "$doc/copyright"
    install -m 0644 "$DEB/$package/lintian-overrides" "$root/usr/share/lintian/overrides/$package"
    changelog "$package" | gzip -9n > "$doc/changelog.gz"
    chmod 0644 "$doc/changelog.gz"

    local script
    for script in postinst prerm postrm; do
        install -m 0755 "$DEB/$package/$script" "$root/DEBIAN/"
    done
    echo "/etc/platform/$name.json" > "$root/DEBIAN/conffiles"
    (cd "$root" && find usr lib -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
    chmod 0644 "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"
}

# changelog PACKAGE: the Debian changelog of a native package at $VERSION.
changelog() {
    cat <<CHANGELOG
$1 ($VERSION) unstable; urgency=medium

  * Platform $VERSION.

 -- $MAINTAINER  $(date -u -R -d "@$SOURCE_DATE_EPOCH")
CHANGELOG
}

# shlib_depends NAME: the libraries the ELF files of the build need, as Debian packages.
shlib_depends() {
    local root=$WORK/root/platform-$1 scratch=$WORK/shlibdeps
    rm -rf "$scratch"
    mkdir -p "$scratch/debian"
    printf 'Source: platform\n\nPackage: platform-%s\nArchitecture: %s\n' "$1" "$ARCH" > "$scratch/debian/control"
    local -a elves
    mapfile -t elves < <(find "$root/usr/lib" -type f \( -name '*.so' -o -perm -u+x \) | LC_ALL=C sort)
    (cd "$scratch" && dpkg-shlibdeps -O -e"${elves[@]}" 2>/dev/null) | sed -n 's/^shlibs:Depends=//p'
}

# control NAME: DEBIAN/control. The daemon's own needs beyond its ELF files come from
# packaging/deb/platform-NAME/control (Depends: ..., Recommends: ..., Description: ...).
control() {
    local name=$1 package=platform-$1 root=$WORK/root/platform-$1
    local shlibs size extra
    shlibs=$(shlib_depends "$name")
    [ -n "$shlibs" ] || die "dpkg-shlibdeps found no libraries for $package"
    size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
    extra=$(cat "$DEB/$package/control")
    {
        printf 'Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: %s\n' "$package" "$VERSION" "$ARCH" "$MAINTAINER"
        printf 'Installed-Size: %s\nSection: admin\nPriority: optional\n' "$size"
        # The package's own "Depends:" line continues the shared-library dependencies.
        sed "s/^Depends: /Depends: $shlibs, /" <<< "$extra"
    } > "$root/DEBIAN/control"
    chmod 0644 "$root/DEBIAN/control"
}

build() {
    local name=$1 project=$2 app=$3 tool=${4:-} tool_project=${5:-} package=platform-$1
    local deb=$OUTPUT/${package}_${VERSION}_${ARCH}.deb
    publish "$name" "$project"
    [ -z "$tool" ] || publish "$tool" "$tool_project"
    stage "$name" "$app" "$tool"
    control "$name"
    rm -f "$OUTPUT/${package}"_*.deb
    dpkg-deb --root-owner-group "-Z$COMPRESSION" --build "$WORK/root/$package" "$deb" >/dev/null
    log "$deb ($(du -h "$deb" | cut -f1), installed $(( $(sed -n 's/^Installed-Size: //p' "$WORK/root/$package/DEBIAN/control") / 1024 )) MiB)"
    echo "$deb"
}

for daemon in "${DAEMONS[@]}"; do
    case "$daemon" in
        controller) build controller controller/Platform.Controller/Platform.Controller.csproj Platform.Controller \
            platformctl controller/Platform.Cli/Platform.Cli.csproj ;;
        agent) build agent agent/Platform.Agent/Platform.Agent.csproj Platform.Agent ;;
    esac
done
