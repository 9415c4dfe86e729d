/* a map name that is not an identifier
 * mode: error:1:10
 */
BPF_HASH(1 + 2, u32);
