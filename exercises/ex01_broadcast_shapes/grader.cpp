// Autograder of ex01_broadcast_shapes. The reference is knob's own knob::broadcast_shapes.
#include "exercises/common/grader.h"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/error.h"
#include "exercises/ex01_broadcast_shapes/broadcast_shape.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex01_broadcast_shapes";

// Check one pair of shapes that do broadcast against knob's answer.
void expect_same_as_knob(const Shape& a, const Shape& b, const char* hint) {
  const Shape expected = broadcast_shapes(a, b, "add");
  Shape got;
  ASSERT_TRUE(runs_without_error(kId, [&] { got = broadcast_result_shape(a, b); }));
  EXPECT_EQ(got, expected) << "broadcast_result_shape(" << shape_str(a) << ", " << shape_str(b)
                           << "): expected " << shape_str(expected) << ", got " << shape_str(got)
                           << ".\n  Hint: " << hint;
}

TEST(BroadcastShape, EqualShapesAreUnchanged) {
  expect_same_as_knob({2, 3}, {2, 3}, "equal extents broadcast to themselves");
  expect_same_as_knob({4}, {4}, "equal extents broadcast to themselves");
}

TEST(BroadcastShape, AShorterShapeIsPaddedWithOnesOnTheLeft) {
  const char* hint = "align the shapes on the RIGHT; a missing leading axis counts as extent 1";
  expect_same_as_knob({2, 3}, {3}, hint);
  expect_same_as_knob({3}, {2, 3}, hint);
  expect_same_as_knob({5, 1, 4}, {4}, hint);
}

TEST(BroadcastShape, ExtentOneStretchesOnEitherSide) {
  const char* hint = "where one extent is 1 the result takes the other extent, on both sides";
  expect_same_as_knob({3, 1}, {1, 4}, hint);
  expect_same_as_knob({2, 1, 3}, {4, 1}, hint);
  expect_same_as_knob({1}, {7}, hint);
}

TEST(BroadcastShape, ScalarsAndEmptyAxes) {
  const char* hint = "a scalar has shape [] (rank 0); an extent 0 against 1 gives 0";
  expect_same_as_knob({}, {5}, hint);
  expect_same_as_knob({}, {}, hint);
  expect_same_as_knob({0, 3}, {1, 3}, hint);
}

TEST(BroadcastShape, SquareAndOneRowShapes) {
  const char* hint = "compare the extents axis by axis from the right, even when they look alike";
  expect_same_as_knob({3, 3}, {3, 1}, hint);
  expect_same_as_knob({1, 4}, {4}, hint);
  expect_same_as_knob({1, 1}, {1}, hint);
}

TEST(BroadcastShape, IncompatibleShapesThrowAShapeErrorNamingBoth) {
  const std::vector<std::pair<Shape, Shape>> bad = {
      {{2, 3}, {4}}, {{3, 2}, {2, 3}}, {{2}, {0}}, {{4, 2, 3}, {5, 1, 3}}};
  for (const auto& pair : bad) {
    const Shape& a = pair.first;  // named variables, which a lambda can capture (clang 14)
    const Shape& b = pair.second;
    EXPECT_THROW((void)broadcast_shapes(a, b, "add"), ShapeError);  // knob agrees it is an error
    const std::string call = "broadcast_result_shape(" + shape_str(a) + ", " + shape_str(b) + ")";
    std::string message;
    ASSERT_TRUE(throws_error<ShapeError>(
        call,
        [&] {
          try {
            (void)broadcast_result_shape(a, b);
          } catch (const ShapeError& e) {
            message = e.what();
            throw;
          }
        },
        "two different extents on one axis, neither of them 1, have no broadcast: throw "
        "knob::ShapeError (autograd/error.h)"));
    EXPECT_TRUE(message.find(shape_str(a)) != std::string::npos &&
                message.find(shape_str(b)) != std::string::npos)
        << "the ShapeError message \"" << message << "\" should contain both shapes, "
        << shape_str(a) << " and " << shape_str(b) << ".\n  Hint: build it with shape_str().";
  }
}

}  // namespace
}  // namespace knob::exercises
