/* BPF_TABLE whose type is not a string
 * mode: error:1:11
 */
BPF_TABLE(hash, u32, u64, t, 4);
