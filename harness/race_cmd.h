/* `rtconform race`: the reload-vs-start race explorer's command line. It
 * runs the race suite (RT-RACE-*) through `rtconform run` with the stress
 * profile, passing the explorer's knobs to the tests in RTCONFORM_RACE_*. */
#ifndef RT_RACE_CMD_H
#define RT_RACE_CMD_H

/* ARGV[0] is "race"; RUN is the `run` command's entry point (argv[0] "run"). */
int rt_race_main(int argc, char **argv, int (*run)(int argc, char **argv));

#endif
