package io.tapline.server.admin;

import io.grpc.stub.StreamObserver;
import io.tapline.proto.v1.ApiKey;
import io.tapline.proto.v1.IdentityServiceGrpc;
import io.tapline.proto.v1.WhoAmIRequest;
import io.tapline.server.api.NotFoundException;
import io.tapline.server.api.Principal;
import io.tapline.server.storage.ApiKeyStore;

/** Who the caller is: any valid key may ask about itself. */
public final class IdentityServiceImpl extends IdentityServiceGrpc.IdentityServiceImplBase {

  private final ApiKeyStore keys;

  public IdentityServiceImpl(ApiKeyStore keys) {
    this.keys = keys;
  }

  @Override
  public void whoAmI(WhoAmIRequest request, StreamObserver<ApiKey> response) {
    Principal caller = Principal.current();
    // The key was found a moment ago by the authenticator; it may only have been deleted since.
    ApiKey key =
        AdminServiceImpl.toProto(
            keys.get(caller.keyId())
                .orElseThrow(() -> new NotFoundException("No API key " + caller.keyId())));
    response.onNext(key);
    response.onCompleted();
  }
}
