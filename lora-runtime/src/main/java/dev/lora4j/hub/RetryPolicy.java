package dev.lora4j.hub;

import java.time.Duration;

/**
 * How often, and how patiently, a request is tried again after a transient failure (HTTP 408, 429 and 5xx,
 * a refused or dropped connection, a body that stalls). The delay doubles from {@code firstDelay} up to
 * {@code maxDelay}; a download that made progress before failing starts counting afresh.
 *
 * @param maxAttempts total tries of one request, at least 1 (1 = no retry)
 * @param firstDelay  the pause before the first retry; not negative
 * @param maxDelay    the longest pause between tries; at least {@code firstDelay}
 */
public record RetryPolicy(int maxAttempts, Duration firstDelay, Duration maxDelay) {
    /**
     * Validates the policy.
     *
     * @throws IllegalArgumentException when {@code maxAttempts} is below 1 or the delays are out of order
     */
    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        }
        if (firstDelay.isNegative() || maxDelay.compareTo(firstDelay) < 0) {
            throw new IllegalArgumentException("need 0 <= firstDelay <= maxDelay, got " + firstDelay + " and " + maxDelay);
        }
    }

    /**
     * Five tries, 1 s, 2 s, 4 s, 8 s apart: rides out a hub or CDN hiccup without hanging for minutes.
     *
     * @return the default policy
     */
    public static RetryPolicy defaults() {
        return new RetryPolicy(5, Duration.ofSeconds(1), Duration.ofSeconds(30));
    }

    /**
     * Fail at the first error.
     *
     * @return a policy with a single attempt
     */
    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
    }

    /**
     * The pause before try number {@code attempt} (2 for the first retry).
     *
     * @param attempt the number of the coming try, from 2
     * @return {@code firstDelay} doubled once per earlier retry, capped at {@code maxDelay}
     */
    public Duration delayBefore(int attempt) {
        Duration delay = firstDelay;
        for (int i = 2; i < attempt && delay.compareTo(maxDelay) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(maxDelay) > 0 ? maxDelay : delay;
    }
}
