/*
 * name.c - the test's name, compiled once per test with -DTEST_NAME="dir".
 *
 * Runs in: test guests. The RESULT line carries it, and tests/guests/run
 * looks for "RESULT: PASS <directory name>".
 */
#include "guest.h"

const char test_name[] = TEST_NAME;
