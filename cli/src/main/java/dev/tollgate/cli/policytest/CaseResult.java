package dev.tollgate.cli.policytest;

import java.util.Optional;

/**
 * What one case came to.
 *
 * @param outcome the decision's outcome ({@code check}'s words)
 * @param policy  the deciding policy as {@code namespace/name}, when one decided
 * @param reason  {@code check}'s reason
 */
public record CaseResult(EgressTestCase testCase, String outcome, Optional<String> policy, String reason,
                         long nanos) {
    public boolean passed() {
        return outcome.equals(testCase.expect())
                && testCase.policy().map(p -> policy.map(p::equals).orElse(false)).orElse(true);
    }

    /** One line: where, what, expected and got, and check's reason. */
    public String failureLine() {
        String wanted = testCase.expect() + testCase.policy().map(p -> " by " + p).orElse("");
        String got = outcome + policy.map(p -> " by " + p).orElse("");
        return "FAIL " + testCase.where() + " " + testCase.title() + ": expected " + wanted + ", got " + got
                + " (" + reason + ")";
    }
}
