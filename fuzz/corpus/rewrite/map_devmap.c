/* BPF_DEVMAP and redirect_map in XDP
 * mode: load:xdp_prog:XDP
 */
BPF_DEVMAP(dm, 4);
int xdp_prog(struct xdp_md *ctx) { return dm.redirect_map(0, 0); }
