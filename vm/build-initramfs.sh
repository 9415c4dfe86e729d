#!/bin/sh
# Build the guest's initramfs: busybox (static), the init script, and the
# modules the init needs from the guest kernel's module tree (virtio PCI,
# 9p over virtio, overlayfs), decompressed so busybox insmod can load them.
#   vm/build-initramfs.sh MODULES_DIR OUTPUT.cpio
# MODULES_DIR is /lib/modules/<version> of the guest kernel.
set -eu
moddir=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
busybox=$(command -v busybox || echo /bin/busybox)
[ -x "$busybox" ] || { echo "build-initramfs: busybox not found (apt-get install busybox-static)" >&2; exit 1; }
if ldd "$busybox" >/dev/null 2>&1; then
	echo "build-initramfs: $busybox is dynamically linked (install busybox-static)" >&2; exit 1
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/modules" "$root/proc" "$root/sys" "$root/dev" "$root/newroot" \
	"$root/lower" "$root/rw"
cp "$busybox" "$root/bin/busybox"
for applet in sh mount umount mkdir insmod cat echo sleep poweroff reboot chroot sync ls \
	mknod cp rm uname dmesg grep sed tr tail; do
	ln -s busybox "$root/bin/$applet"
done
cp "$here/guest-init.sh" "$root/init"
chmod 755 "$root/init"

# Modules in dependency order (modules.dep lists a module's dependencies,
# deepest last), each once.
: > "$root/modules/order"
add_module() {
	rel=$(grep -E "^(kernel/)?([^:]*/)?$1\.ko(\.xz|\.zst|\.gz)?:" "$moddir/modules.dep" | head -n1) || true
	if [ -z "$rel" ]; then
		grep -qE "/$1\.ko\$" "$moddir/modules.builtin" 2>/dev/null && return 0
		echo "build-initramfs: module $1 is neither in $moddir/modules.dep nor built in" >&2
		exit 1
	fi
	deps=${rel#*:}
	path=${rel%%:*}
	# dependencies first, deepest first
	for dep in $(echo $deps | tr ' ' '\n' | tac); do
		install_ko "$dep"
	done
	install_ko "$path"
}
install_ko() {
	name=$(basename "$1"); name=${name%.xz}; name=${name%.zst}; name=${name%.gz}
	grep -qx "$name" "$root/modules/order" && return 0
	case "$1" in
	*.xz) xz -dc "$moddir/$1" > "$root/modules/$name" ;;
	*.zst) zstd -qdc "$moddir/$1" > "$root/modules/$name" ;;
	*.gz) gzip -dc "$moddir/$1" > "$root/modules/$name" ;;
	*) cp "$moddir/$1" "$root/modules/$name" ;;
	esac
	echo "$name" >> "$root/modules/order"
}
for m in virtio virtio_ring virtio_pci 9pnet 9pnet_virtio 9p overlay; do
	add_module "$m"
done

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$out.tmp"
mv "$out.tmp" "$out"
