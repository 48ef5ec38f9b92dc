/**
 * An implementation of the JDK's {@code com.sun.net.httpserver} API for Linux on Java 22+: one
 * virtual thread per connection woken by an edge-triggered epoll set (through the Foreign
 * Function API), so that a keep-alive request costs one {@code read} and one {@code write}.
 * The bridge picks it by its provider's class name ({@link
 * io.github.resilientredis.bridge.http.EpollHttpServerProvider}); it is public only because Java
 * packages are the bridge's only walls, and not an API of its own.
 */
package io.github.resilientredis.bridge.http;
