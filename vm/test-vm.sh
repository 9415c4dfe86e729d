#!/bin/sh
# `make test-vm`: run the tests marked @pytest.mark.vm in a guest booted on
# Debian's own kernel (linux-image-amd64, 6.1: kprobes, BPF trampolines, BPF
# LSM, BTF) under qemu, and report the guest's pytest summary here. Exits with
# the guest's pytest exit code, or non-zero when the guest never reports
# within VM_TIMEOUT seconds.
#   vm/test-vm.sh [pytest arguments...]   (default: -m vm tests/vm and
#   the files of tests/python that mention mark.vm)
# Environment: BUILD_DIR (default build), VM_TIMEOUT (default 600),
# PYTHON (default /usr/bin/python3), BPFY_EXT_DIR (passed to the guest),
# VM_CACHE=0 (the guest compiles into its tmpfs instead of $BUILD_DIR/vm/cache,
# a compile cache kept between runs), VM_DOWNLOAD_KERNEL=1 (unpack the kernel package even when it is installed),
# BPFY_VM_ACCEL, BPFY_VM_CPUS, BPFY_VM_MEM, BPFY_VM_APPEND (see run-guest.sh).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
build=${BUILD_DIR:-build}
case $build in /*) ;; *) build=$repo/$build ;; esac
work=$build/vm
python=${PYTHON:-/usr/bin/python3}
timeout=${VM_TIMEOUT:-600}
mkdir -p "$work"
start=$(date +%s)
stamp() { echo "test-vm: [$(( $(date +%s) - start ))s] $*"; }

# -- host packages: qemu, busybox for the initramfs, cpio, xz, depmod ----------
missing=
for p in qemu-system-x86 busybox-static cpio xz-utils kmod; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	stamp "installing$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# -- the guest kernel: Debian's linux-image-amd64 ------------------------------
# Installed already (the host's /boot and /lib/modules), or else its package is
# downloaded and unpacked under $work (no initramfs-tools run, /boot untouched).
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$kpkg" ]; then
	apt-get update -qq
	kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
fi
[ -n "$kpkg" ] || { echo "test-vm: no linux-image-amd64 in apt's lists" >&2; exit 1; }
kver=${kpkg#linux-image-}
if [ -z "${VM_DOWNLOAD_KERNEL:-}" ] && [ -f "/boot/vmlinuz-$kver" ] && [ -d "/lib/modules/$kver" ]; then
	kroot=
else
	kroot=$work/kernel-$kver
	if [ ! -f "$kroot/boot/vmlinuz-$kver" ]; then
		stamp "downloading $kpkg"
		rm -rf "$kroot.tmp" && mkdir -p "$kroot.tmp"
		(cd "$kroot.tmp" && apt-get download -qq "$kpkg" 2>/dev/null ||
			{ apt-get update -qq && apt-get download -qq "$kpkg"; })
		dpkg-deb -x "$kroot.tmp"/*.deb "$kroot.tmp/root"
		# modules.dep is made by the package's postinst, which does not run here
		depmod -b "$kroot.tmp/root" "$kver"
		rm -rf "$kroot" && mv "$kroot.tmp/root" "$kroot" && rm -rf "$kroot.tmp"
	fi
fi
vmlinuz=$kroot/boot/vmlinuz-$kver
moddir=$kroot/lib/modules/$kver

# The decompressed image boots in about half the time under TCG (no
# decompression in emulated code); qemu boots it through its PVH entry.
kernel=$work/vmlinux-$kver
if [ ! -f "$kernel" ] || [ "$vmlinuz" -nt "$kernel" ]; then
	"$python" "$here/extract-vmlinux.py" "$vmlinuz" "$kernel.tmp" && mv "$kernel.tmp" "$kernel" ||
		{ rm -f "$kernel.tmp"; kernel=$vmlinuz; }
fi

initramfs=$work/initramfs-$kver.cpio
"$here/build-initramfs.sh" "$moddir" "$initramfs"
stamp "guest kernel $kver ($(basename "$kernel")), initramfs ready"

# -- what the guest runs --------------------------------------------------------
results=$work/results
# The guest generates the 6.1 vmlinux.h and its precompiled header (~10 s
# under TCG) and compiles each program (~2.5 s); a cache kept on the host
# (a third 9p share) makes the next run's compiles cache hits (~0.4 s).
if [ "${VM_CACHE:-1}" = 0 ]; then
	cache_dir= guest_cache=/vmtmp/cache
else
	cache_dir=$work/cache guest_cache=/vmcache
fi
rm -rf "$results" && mkdir -p "$results"
# pytest in the guest gets a little less than the whole guest, to report
inner=$(( timeout > 120 ? timeout - 30 : timeout * 3 / 4 ))
if [ $# -eq 0 ]; then
	# tests/vm, and the files of tests/python that mark a test vm (collecting
	# only those keeps the guest clear of the rest's imports and setup)
	set -- -m vm tests/vm $(cd "$repo" && grep -l 'mark\.vm' tests/python/test_*.py 2>/dev/null || true)
fi
{
	echo "# written by vm/test-vm.sh; run by the guest's init (vm/guest-init.sh)"
	echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	echo "export HOME=/root TMPDIR=/vmtmp XDG_CACHE_HOME=$guest_cache BPFY_VM_GUEST=1"
	echo "export PYTHONPATH='$repo/pybind' PYTHONDONTWRITEBYTECODE=1"
	[ -n "${BPFY_EXT_DIR:-}" ] && echo "export BPFY_EXT_DIR='$BPFY_EXT_DIR'"
	echo "cd '$repo' || exit 3"
	echo "echo \"guest: \$(uname -r), lsm=\$(cat /sys/kernel/security/lsm 2>/dev/null)\""
	printf "timeout %s '%s' -m pytest -p no:cacheprovider -rfEsx --durations=5 --junitxml=/vmresults/junit.xml" \
		"$inner" "$python"
	for arg in "$@"; do printf " '%s'" "$arg"; done
	echo
	echo 'rc=$?'
	echo "[ \$rc = 124 ] && echo \"test-vm: pytest in the guest ran past ${inner}s and was stopped\""
	echo 'exit $rc'
} > "$results/run.sh"

stamp "booting the guest (TCG, timeout ${timeout}s): pytest $*"
set +e
"$here/run-guest.sh" "$kernel" "$initramfs" "$results" "$timeout" $cache_dir
rc=$?
set -e

# -- report ----------------------------------------------------------------------
echo "----- guest output ($results/guest.log) -----"
if [ -f "$results/guest.log" ]; then
	if [ "$rc" = 0 ]; then
		# the summary: skips/xfails with reasons and the closing line
		sed -n '/short test summary info/,$p' "$results/guest.log"
		grep -q 'short test summary info' "$results/guest.log" || tail -n 5 "$results/guest.log"
	else
		tail -n 200 "$results/guest.log"
	fi
else
	echo "(none)"
fi
if [ "$rc" = 124 ] || [ "$rc" = 125 ]; then
	echo "----- guest console ($results/console.log) -----"
	tail -n 40 "$results/console.log" 2>/dev/null || true
fi
stamp "guest exit code $rc"
exit "$rc"
