// skiff search's rows as docker 28's CLI prints them.
import { expect, test } from "bun:test";
import { renderRows } from "../render.ts";
import { ellipsis, SEARCH_HEADERS, searchRows } from "./search.ts";

const result = (name: string, description: string, stars: number, official: boolean) => ({ name, description, star_count: stars, is_official: official, is_automated: !official });

test("docker's columns: the description on one line, cut to 45 columns with …, [OK] for official", () => {
  const rows = searchRows([result("library/busybox", "Busybox base image,\nwith a description longer than forty-five characters", 3000, true), result("me/bb", "mine", 2, false)], false);
  expect(renderRows(rows, "table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}", SEARCH_HEADERS)).toBe(
    [
      "NAME              DESCRIPTION                                     STARS     OFFICIAL",
      "library/busybox   Busybox base image, with a description longe…   3000      [OK]",
      "me/bb             mine                                            2         ",
      "",
    ].join("\n"),
  );
  expect(searchRows([result("a", "x".repeat(60), 0, false)], true)[0]!.Description).toBe("x".repeat(60));
});

test("ellipsis counts characters, not bytes", () => {
  expect(ellipsis("ä".repeat(45), 45)).toBe("ä".repeat(45));
  expect(ellipsis("ä".repeat(46), 45)).toBe(`${"ä".repeat(44)}…`);
});
