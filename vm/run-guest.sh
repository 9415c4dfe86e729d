#!/bin/sh
# Boot the guest kernel under qemu (TCG: KVM cannot boot a stock kernel on
# this machine's hypervisor) with the host's root filesystem shared read-only
# and RESULTS_DIR shared writable; the guest runs RESULTS_DIR/run.sh and
# leaves RESULTS_DIR/guest.log and RESULTS_DIR/exit-code there.
#   vm/run-guest.sh KERNEL INITRAMFS RESULTS_DIR [TIMEOUT_SECONDS [CACHE_DIR]]
# CACHE_DIR, when given, is shared writable too (tag "cache", at /vmcache in
# the guest): a place for the guest's compile cache that outlives the guest.
# Exits with the guest's exit code, or 124 when the guest did not report
# within TIMEOUT_SECONDS (default 600), or 125 when it powered off without
# reporting. The console goes to RESULTS_DIR/console.log.
set -eu
kernel=$1
initrd=$2
results=$(cd "$3" && pwd)
limit=${4:-600}
cache=${5:-}
shares=hostroot,results
cache_share=
if [ -n "$cache" ]; then
	mkdir -p "$cache" && chmod 700 "$cache"
	shares=$shares,cache
	cache_share="-virtfs local,path=$(cd "$cache" && pwd),mount_tag=cache,security_model=none,multidevs=remap"
fi
rm -f "$results/exit-code" "$results/guest.log" "$results/console.log"
[ -f "$results/run.sh" ] || { echo "run-guest: $results/run.sh missing" >&2; exit 2; }

accel=${BPFY_VM_ACCEL:-tcg}
cpu="-cpu max"
[ "$accel" = kvm ] && cpu="-cpu host"
# The guest has no network device: nothing leaves it but the two 9p shares.
set +e
timeout --kill-after=10 "$limit" qemu-system-x86_64 \
	-machine q35,accel="$accel" $cpu -smp "${BPFY_VM_CPUS:-2}" -m "${BPFY_VM_MEM:-4G}" \
	-nodefaults -no-user-config -nographic -nic none \
	-serial "file:$results/console.log" -monitor none \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 oops=panic rdinit=/init lsm=lockdown,capability,bpf \
mitigations=off nokaslr tsc=reliable no_timer_check bpfy.shares=$shares ${BPFY_VM_APPEND:-quiet}" \
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
	-virtfs "local,path=$results,mount_tag=results,security_model=none,multidevs=remap" \
	$cache_share \
	-no-reboot
qemu_rc=$?
set -e
if [ -f "$results/exit-code" ]; then
	exit "$(cat "$results/exit-code")"
fi
if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	echo "run-guest: the guest did not report within ${limit}s" >&2
	exit 124
fi
echo "run-guest: the guest stopped (qemu exit $qemu_rc) without reporting" >&2
exit 125
