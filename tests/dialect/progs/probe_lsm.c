/* LSM_PROBE
 * mode: trampoline:lsm__file_open
 */
LSM_PROBE(file_open, struct file *file) {
    return 0;
}
