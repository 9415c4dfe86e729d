/* BPF_TABLE with an unknown type string
 * mode: error:1:11
 */
BPF_TABLE("nope", u32, u64, t, 4);
