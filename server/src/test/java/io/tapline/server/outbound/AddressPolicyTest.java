package io.tapline.server.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressPolicyTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1",
        "127.255.255.254",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.1.1",
        "169.254.169.254",
        "169.254.170.2",
        "100.64.0.1",
        "100.127.255.255",
        "100.100.100.200",
        "0.0.0.0",
        "0.1.2.3",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "240.0.0.1",
        "192.0.0.192",
        "198.18.0.1",
        "::",
        "::1",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "fd00:ec2::254",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::127.0.0.1",
        "::169.254.169.254",
        "64:ff9b::7f00:1",
        "64:ff9b:1::1",
        "2002:7f00:1::1",
        "2001:0:4136:e378::1",
        "fec0::1",
        "100::1"
      })
  void forbidsEveryNonPublicAddress(String literal) {
    assertThat(AddressPolicy.forbiddenReason(InetAddress.ofLiteral(literal)))
        .as(literal)
        .isPresent();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "93.184.216.34",
        "8.8.8.8",
        "1.1.1.1",
        "172.32.0.1",
        "100.128.0.1",
        "169.253.1.1",
        "2606:4700:4700::1111",
        "2a00:1450:4001::1",
        "64:ff9b::808:808",
        "::ffff:8.8.8.8"
      })
  void allowsPublicAddresses(String literal) {
    assertThat(AddressPolicy.forbiddenReason(InetAddress.ofLiteral(literal))).as(literal).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"169.254.169.254", "fd00:ec2::254", "100.100.100.200"})
  void namesCloudMetadataAddresses(String literal) {
    assertThat(AddressPolicy.forbiddenReason(InetAddress.ofLiteral(literal)))
        .hasValueSatisfying(reason -> assertThat(reason).contains("metadata"));
  }
}
