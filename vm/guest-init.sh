#!/bin/sh
# /init of the guest (busybox). Loads the modules the initramfs carries,
# mounts the host's root filesystem (9p tag "hostroot", read-only) under a
# tmpfs overlay, mounts the results share (9p tag "results", writable) at
# /vmresults (and, when given, the "cache" share at /vmcache), and runs
# /vmresults/run.sh chrooted in the overlay with the
# kernel filesystems BPF needs. Its output goes to /vmresults/guest.log and its
# exit code to /vmresults/exit-code; then the guest powers off.
PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

say() { echo "vm-init: $*" > /dev/console; }
fail() { say "$*"; dmesg | tail -n 30 > /dev/console; poweroff -f; sleep 5; }

while read -r ko; do
	insmod "/modules/$ko" || say "insmod $ko failed"
done < /modules/order

# virtio devices appear asynchronously after virtio_pci loads; wait for every
# 9p tag run-guest.sh passed in bpfy.shares= (hostroot and results at least)
shares=$(sed -n 's/.*bpfy\.shares=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
for tag in ${shares:-hostroot results}; do
	n=0
	while ! grep -qx "$tag" /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag 2>/dev/null; do
		n=$((n + 1)); [ $n -gt 200 ] && fail "no 9p device with tag $tag"
		sleep 0.05
	done
done

opts=trans=virtio,version=9p2000.L,msize=512000
# cache=mmap, not loose: files others change on the host during a run read
# whole (loose caches sizes and pages without coherence); measured no slower
mount -t 9p -o $opts,ro,cache=mmap hostroot /lower || fail "cannot mount hostroot"
mount -t tmpfs -o size=2g,mode=755 tmpfs /rw || fail "cannot mount tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot \
	|| fail "cannot mount the overlay"

R=/newroot
mkdir -p $R/vmresults
mount -t 9p -o $opts,cache=none results $R/vmresults || fail "cannot mount results"
# optional: a compile cache kept on the host between runs (tag "cache")
case " $shares " in *" cache "*)
	mkdir -p $R/vmcache
	mount -t 9p -o $opts,cache=loose cache $R/vmcache || fail "cannot mount cache" ;;
esac
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts devpts $R/dev/pts
mount -t tmpfs tmpfs $R/dev/shm
# scratch space (TMPDIR, the compile cache): a tmpfs of its own, not /tmp,
# which stays the host's (read-only below the overlay) in case the repo is there
mkdir -p $R/vmtmp
mount -t tmpfs -o mode=1777 tmpfs $R/vmtmp
mount -t tmpfs -o mode=755 tmpfs $R/run
mount -t tracefs tracefs $R/sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null
mount -t securityfs securityfs $R/sys/kernel/security 2>/dev/null
mount -t bpf bpf $R/sys/fs/bpf
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup 2>/dev/null
say "root ready; running /vmresults/run.sh"
chroot $R /bin/sh -c 'ip link set lo up 2>/dev/null; cd /; exec /bin/sh /vmresults/run.sh' \
	> $R/vmresults/guest.log 2>&1
rc=$?
echo $rc > $R/vmresults/exit-code.tmp
mv $R/vmresults/exit-code.tmp $R/vmresults/exit-code
sync
umount $R/vmcache 2>/dev/null
umount $R/vmresults 2>/dev/null
say "done (exit $rc)"
poweroff -f
sleep 5
