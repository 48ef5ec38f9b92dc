package io.github.resilientredis.bridge;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The ACL GETUSER fallback (Redis 6, no ACL DRYRUN): rules as Redis lists them. */
class StartupAclCheckTest {

  private static final Set<String> FLUSH = Set.of("keyspace", "write", "slow", "dangerous");

  @Test
  void theLastMatchingRuleWins() {
    assertTrue(StartupAclCheck.allows("+@all", "flushall", FLUSH));
    assertFalse(StartupAclCheck.allows("+@all -flushall", "flushall", FLUSH));
    assertFalse(StartupAclCheck.allows("+@all -@dangerous", "flushall", FLUSH));
    assertTrue(StartupAclCheck.allows("+@all -@dangerous +flushall", "flushall", FLUSH));
    assertTrue(StartupAclCheck.allows("-@all +@write", "flushall", FLUSH));
    assertFalse(StartupAclCheck.allows("-@all +get +set", "flushall", FLUSH));
    assertFalse(StartupAclCheck.allows("", "flushall", FLUSH));
    assertTrue(StartupAclCheck.allows("allcommands", "flushall", FLUSH));
  }
}
