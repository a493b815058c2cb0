package io.tapline.sdk.servlet;

import io.tapline.sdk.BodyCapture;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/** Copies the request body into a {@link BodyCapture} as the application reads it. */
final class CapturingRequest extends HttpServletRequestWrapper {

  final BodyCapture body;
  private ServletInputStream stream;
  private BufferedReader reader;

  CapturingRequest(HttpServletRequest request, BodyCapture body) {
    super(request);
    this.body = body;
  }

  @Override
  public ServletInputStream getInputStream() throws IOException {
    if (stream == null) {
      ServletInputStream in = super.getInputStream();
      stream =
          new ServletInputStream() {
            @Override
            public int read() throws IOException {
              int b = in.read();
              if (b >= 0) {
                body.write(b);
              }
              return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
              int n = in.read(b, off, len);
              if (n > 0) {
                body.write(b, off, n);
              }
              return n;
            }

            @Override
            public boolean isFinished() {
              return in.isFinished();
            }

            @Override
            public boolean isReady() {
              return in.isReady();
            }

            @Override
            public void setReadListener(ReadListener listener) {
              in.setReadListener(listener);
            }
          };
    }
    return stream;
  }

  @Override
  public BufferedReader getReader() throws IOException {
    if (reader == null) {
      String encoding = getCharacterEncoding();
      Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
      reader = new BufferedReader(new InputStreamReader(getInputStream(), charset));
    }
    return reader;
  }
}
