#include <gtest/gtest.h>

#include "aleatoric/aleatoric.hpp"
#include "vectors.hpp"

namespace al = aleatoric;

TEST(Dataset, ListsInstrumentsTablesFilesAndSegmentsAsPython) {
  ASSERT_FALSE(vectors::golden().empty());
  for (const auto& name : vectors::golden()) {
    SCOPED_TRACE(name);
    const auto& want = vectors::figures(name);
    auto ds = al::Dataset::open(vectors::dir() / name);
    EXPECT_EQ(ds.format(), "aleatoric-dataset/1");
    EXPECT_EQ(ds.manifest()["config"], want["config"]);

    auto instruments = ds.instruments();
    ASSERT_EQ(instruments.size(), want["instruments"].size());
    for (std::size_t i = 0; i < instruments.size(); ++i) {
      EXPECT_EQ(instruments[i].venue, want["instruments"][i]["venue"]);
      EXPECT_EQ(instruments[i].symbol, want["instruments"][i]["symbol"]);
      EXPECT_TRUE(instruments[i].rules.is_object());
    }

    for (const auto& [table, rows] : want["tables"].items()) {
      auto t = al::table_from_name(table);
      ASSERT_TRUE(t) << table;
      EXPECT_EQ(ds.rows(*t), rows.get<std::uint64_t>()) << table;
      std::uint64_t listed = 0;
      for (const auto& f : ds.files(*t)) listed += f.rows;
      EXPECT_EQ(listed, rows.get<std::uint64_t>()) << table;
    }

    const auto& files = ds.files();
    ASSERT_EQ(files.size(), want["files"].size());
    for (std::size_t i = 0; i < files.size(); ++i) {
      const auto& w = want["files"][i];
      EXPECT_EQ(files[i].path, w["path"]);
      EXPECT_EQ(files[i].table, w["table"]);
      EXPECT_EQ(files[i].rows, w["rows"].get<std::uint64_t>());
      EXPECT_EQ(files[i].bytes, w["bytes"].get<std::uint64_t>());
      EXPECT_EQ(files[i].sha256, w["sha256"]);
    }

    ASSERT_EQ(ds.segments().size(), want["segments"].size());
    for (std::size_t i = 0; i < ds.segments().size(); ++i) {
      const auto& s = ds.segments()[i];
      const auto& w = want["segments"][i];
      EXPECT_EQ(s.index, w["index"].get<int>());
      EXPECT_EQ(s.start_ns, w["start_ns"].get<std::int64_t>());
      EXPECT_EQ(s.end_ns, w["end_ns"].get<std::int64_t>());
      EXPECT_EQ(s.rows, w["rows"].get<std::uint64_t>());
      EXPECT_EQ(s.trades, w["trades"].get<std::uint64_t>());
      EXPECT_EQ(s.reconciliation_rows, w["reconciliation_rows"].get<std::uint64_t>());
    }

    auto digests = ds.table_digests();
    for (const auto& [table, digest] : want["table_digests"].items()) EXPECT_EQ(digests[table], digest) << table;
  }
}

TEST(Dataset, FileDigestsAgreeWithTheManifestCheckOfPython) {
  for (const auto& name : vectors::all()) {
    SCOPED_TRACE(name);
    const auto& want = vectors::expected()["datasets"][name]["manifest_check"];
    auto ds = al::Dataset::open(vectors::dir() / name);
    auto problems = ds.check_files();
    std::vector<std::string> expected_problems;
    for (const auto& p : want["mismatched"]) expected_problems.push_back(p.get<std::string>() + ": sha256 mismatch");
    EXPECT_EQ(problems, expected_problems);
    EXPECT_EQ(problems.empty(), want["ok"].get<bool>());
  }
}

TEST(Dataset, RefusesADirectoryWithoutManifest) {
  auto tmp = std::filesystem::temp_directory_path() / "aleatoric-cpp-empty";
  std::filesystem::create_directories(tmp);
  try {
    al::Dataset::open(tmp);
    FAIL() << "opened a directory without manifest.json";
  } catch (const al::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no manifest.json"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(tmp);
}

TEST(Grid, ParsesDecimalsLikeTheEngine) {
  auto tick = al::Grid::parse("0.10");
  EXPECT_EQ(tick.numerator, 1);
  EXPECT_EQ(tick.scale, 1);
  auto lot = al::Grid::parse("0.001").times(al::Grid::parse("1"));
  EXPECT_EQ(lot.numerator, 1);
  EXPECT_EQ(lot.scale, 3);
  EXPECT_EQ(lot.to_units(0.239), 239);
  EXPECT_EQ(lot.to_float(239), 0.239);
  EXPECT_EQ(al::Grid::parse("5").scale, 0);
  EXPECT_THROW(al::Grid::parse("0"), al::InputError);
  EXPECT_THROW(al::Grid::parse("abc"), al::InputError);
}
