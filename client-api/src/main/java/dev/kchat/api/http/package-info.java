/**
 * What every HTTP door of the platform (the {@code /v1} ingress, the edge's HTTP doors, the presence
 * app's query server) answers and reads the same way, over Undertow's exchange: JSON bodies and the
 * API's error shape ({@link dev.kchat.api.http.ApiAnswers}), query and path parameters
 * ({@link dev.kchat.api.http.Parameters}), and the answer of {@code GET /v1/edge}
 * ({@link dev.kchat.api.http.EdgeAnswer}).
 */
package dev.kchat.api.http;
