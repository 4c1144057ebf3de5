package dev.kchat.media.store;

/** There is no object (or no multipart upload) at the key asked for. */
public final class ObjectNotFoundException extends RuntimeException {

    public ObjectNotFoundException(String key) {
        super("no object at " + key);
    }
}
