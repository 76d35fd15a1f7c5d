#ifndef TEST_MAIN_H
#define TEST_MAIN_H

/*
 * test_main - the main() every Check suite shares.
 *
 * TEST_MAIN(make_suite) runs the suite with normal verbosity and exits
 * non-zero when a test failed.  Tests are table driven: a {name, input,
 * want} array walked by a loop test (tcase_add_loop_test).
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>

#define TEST_MAIN(suite_fn)                                                    \
    int main(void)                                                             \
    {                                                                          \
        SRunner *sr = srunner_create(suite_fn());                              \
        int failed;                                                            \
        srunner_run_all(sr, CK_NORMAL);                                        \
        failed = srunner_ntests_failed(sr);                                    \
        srunner_free(sr);                                                      \
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;                           \
    }

/* Count of a static table. */
#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

#endif
