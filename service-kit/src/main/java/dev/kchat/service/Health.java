package dev.kchat.service;

/** The result of one health check: up or down, with a short detail for operators. */
public record Health(boolean up, String detail) {

    public static Health up(String detail) {
        return new Health(true, detail);
    }

    public static Health down(String detail) {
        return new Health(false, detail);
    }

    /** A named readiness check, evaluated on every {@code /health/ready} request; must be cheap and non-blocking. */
    @FunctionalInterface
    public interface Check {
        Health check();
    }
}
