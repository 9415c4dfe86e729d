/* TP_DATA_LOC_READ_CONST (bounded copy) on sched_process_exec's filename (compile and load)
 * mode: load:
 */
TRACEPOINT_PROBE(sched, sched_process_exec) {
    char fn[32] = {};
    TP_DATA_LOC_READ_CONST(fn, filename, sizeof(fn));
    return 0;
}
