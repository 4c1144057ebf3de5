package dev.kchat.edge.frames;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.edge.session.Session;

/** Handles one verb of the client's frames; runs on an I/O thread, so hands anything blocking to a worker. */
@FunctionalInterface
public interface FrameHandler {

    /**
     * @param fields the frame without its {@code type}
     * @throws dev.kchat.api.ApiException to refuse the frame with an {@code error} frame
     */
    void handle(Session session, ObjectNode fields);
}
