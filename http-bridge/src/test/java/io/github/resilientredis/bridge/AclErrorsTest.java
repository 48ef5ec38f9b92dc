package io.github.resilientredis.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.exceptions.JedisDataException;

class AclErrorsTest {

  private static String noPerm(String redisError) {
    return AclErrors.noPermMessage(new JedisDataException(redisError));
  }

  @Test
  void redisRefusalsBecomeNoPermWithRedisText() {
    assertEquals("NOPERM this user has no permissions to run the 'flushall' command",
        noPerm("NOPERM this user has no permissions to run the 'flushall' command"));
    // Redis 7.0, a command inside a script or function
    assertEquals("NOPERM The user executing the script can't run this command or subcommand"
        + " script: 06f2, on @user_script:1.", noPerm("ERR The user executing the script can't run"
        + " this command or subcommand script: 06f2, on @user_script:1."));
    // Redis 7.2 and later
    assertEquals("NOPERM ACL failure in script: User app has no permissions to run the 'flushdb'"
        + " command script: wipe, on @user_function:2.", noPerm("ERR ACL failure in script: User"
        + " app has no permissions to run the 'flushdb' command script: wipe, on @user_function:2."));
  }

  @Test
  void otherErrorsAndRepliesAreNotRefusals() {
    assertNull(noPerm("ERR unknown command 'x'"));
    assertNull(noPerm("WRONGTYPE Operation against a key holding the wrong kind of value"));
    assertNull(noPerm("ERR Write commands are not allowed from read-only scripts."));
    assertNull(AclErrors.noPermMessage("OK"));
    assertNull(AclErrors.noPermMessage(null));
  }
}
