/* BPF_XSKMAP and redirect_map in XDP
 * mode: load:xdp_prog:XDP
 */
BPF_XSKMAP(xm, 2);
int xdp_prog(struct xdp_md *ctx) { return xm.redirect_map(ctx->rx_queue_index, XDP_PASS); }
