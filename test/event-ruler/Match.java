import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.event.ruler.Machine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Matches events against EventBridge event patterns with aws/event-ruler, in one JVM run.
 *
 * Reads {"patterns": {name: pattern}, "events": {name: event}} from standard input and writes
 * {"matches": {event name: [names of the patterns it matches, sorted]}} to standard output.
 * A pattern event-ruler rejects ends the run with exit code 2 and the rule's name and error.
 */
public final class Match {
  private Match() {}

  public static void main(String[] args) throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode input = json.readTree(System.in);
    Machine machine = Machine.builder().build();
    for (Iterator<Map.Entry<String, JsonNode>> it = input.get("patterns").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> pattern = it.next();
      try {
        machine.addRule(pattern.getKey(), json.writeValueAsString(pattern.getValue()));
      } catch (Exception e) {
        System.err.println("event-ruler rejected pattern " + pattern.getKey() + ": " + e);
        System.exit(2);
      }
    }
    ObjectNode matches = json.createObjectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = input.get("events").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> event = it.next();
      List<String> names = new ArrayList<>(machine.rulesForJSONEvent(json.writeValueAsString(event.getValue())));
      Collections.sort(names);
      ArrayNode list = matches.putArray(event.getKey());
      names.forEach(list::add);
    }
    ObjectNode output = json.createObjectNode();
    output.set("matches", matches);
    System.out.println(json.writeValueAsString(output));
  }
}
