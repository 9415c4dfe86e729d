/* TRACEPOINT_PROBE with a non-identifier argument
 * mode: error:1:1
 */
TRACEPOINT_PROBE("sched", x) {
    return 0;
}
