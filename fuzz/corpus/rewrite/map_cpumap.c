/* BPF_CPUMAP and redirect_map in XDP
 * mode: load:xdp_prog:XDP
 */
BPF_CPUMAP(cm, 2);
int xdp_prog(struct xdp_md *ctx) { return cm.redirect_map(0, 0); }
