/* msg_redirect_map on a sockmap
 * mode: load:msg:SK_MSG
 */
BPF_SOCKMAP(sm, 4);
int msg(struct sk_msg_md *m) { return sm.msg_redirect_map(m, 0, 0); }
