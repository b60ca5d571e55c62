package io.tally.perf;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * One Tally node the generator talks to.
 *
 * <p>The URL is split once into host, port and path prefix so the hot path only concatenates request paths; plain
 * HTTP is the only scheme because the service is measured without TLS on the same machine.
 *
 * @param host host name or address
 * @param port TCP port
 * @param basePath path prefix without a trailing slash, usually empty
 */
record Target(String host, int port, String basePath) {

  static Target parse(String url) throws Options.UsageException {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new Options.UsageException("not a URL: " + url);
    }
    if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
      throw new Options.UsageException("--url must look like http://host:port, got " + url);
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    return new Target(uri.getHost(), uri.getPort() == -1 ? 80 : uri.getPort(), path);
  }

  String path(String path) {
    return basePath.isEmpty() ? path : basePath + path;
  }

  @Override
  public String toString() {
    return "http://" + host + ":" + port + basePath;
  }
}
