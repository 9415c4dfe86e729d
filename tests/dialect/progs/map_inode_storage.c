/* BPF_INODE_STORAGE get/delete in an LSM program
 * mode: trampoline:lsm__inode_unlink
 */
BPF_INODE_STORAGE(is, u64);
LSM_PROBE(inode_unlink, struct inode *dir, struct dentry *victim) { u64 *v = is.inode_storage_get(dir, 0, BPF_LOCAL_STORAGE_GET_F_CREATE); if (v) *v += 1; is.inode_storage_delete(dir); return 0; }
