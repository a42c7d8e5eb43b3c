/// @file
/// @brief SmallVector: a std::vector look-alike that keeps its first N elements inside itself.
///
/// Shapes and strides have a handful of entries, and every op makes several of them. As
/// std::vectors each one was a heap allocation; a SmallVector<std::int64_t, 8> holds up to 8
/// axes without one and moves to the heap only beyond that. It offers the part of std::vector's
/// interface that knob uses, converts to and from std::vector, and only holds trivially
/// copyable elements (numbers), which keeps it short.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace knob {

/// @brief A vector of trivially copyable T with room for N elements inside the object.
/// @tparam T the element type (trivially copyable). @tparam N the inline capacity.
template <class T, std::size_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T>, "SmallVector holds trivially copyable types");

 public:
  using value_type = T;                                      ///< element type
  using size_type = std::size_t;                             ///< sizes and indices
  using difference_type = std::ptrdiff_t;                    ///< iterator distance
  using reference = T&;                                      ///< element reference
  using const_reference = const T&;                          ///< const element reference
  using pointer = T*;                                        ///< element pointer
  using const_pointer = const T*;                            ///< const element pointer
  using iterator = T*;                                       ///< iterator
  using const_iterator = const T*;                           ///< const iterator
  using reverse_iterator = std::reverse_iterator<iterator>;  ///< reverse iterator
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;  ///< const reverse it.

  /// @brief Empty.
  SmallVector() = default;
  /// @brief n copies of value. @param n the size. @param value the element.
  explicit SmallVector(size_type n, const T& value = T()) { assign(n, value); }
  /// @brief The listed elements. @param values the elements.
  SmallVector(std::initializer_list<T> values) { assign(values.begin(), values.end()); }
  /// @brief The elements of [first, last). @param first begin. @param last end.
  template <class It, class = std::enable_if_t<!std::is_integral_v<It>>>
  SmallVector(It first, It last) {
    assign(first, last);
  }
  /// @brief The elements of a std::vector. @param values the vector.
  SmallVector(const std::vector<T>& values) {  // NOLINT: implicit, to mix with std::vector
    assign(values.begin(), values.end());
  }
  /// @brief A copy. @param other the vector to copy.
  SmallVector(const SmallVector& other) { assign(other.begin(), other.end()); }
  /// @brief Take over other's elements (other is left empty). @param other the vector.
  SmallVector(SmallVector&& other) noexcept { steal(other); }
  /// @brief Copy assignment. @param other the vector to copy. @return *this.
  SmallVector& operator=(const SmallVector& other) {
    if (this != &other) assign(other.begin(), other.end());
    return *this;
  }
  /// @brief Move assignment. @param other the vector (left empty). @return *this.
  SmallVector& operator=(SmallVector&& other) noexcept {
    if (this != &other) {
      release();
      steal(other);
    }
    return *this;
  }
  /// @brief Assign the listed elements. @param values the elements. @return *this.
  SmallVector& operator=(std::initializer_list<T> values) {
    assign(values.begin(), values.end());
    return *this;
  }
  ~SmallVector() { release(); }

  /// @brief The same elements as a std::vector. @return a new std::vector.
  operator std::vector<T>() const { return std::vector<T>(begin(), end()); }  // NOLINT

  /// @brief Replace the contents by [first, last). @param first begin. @param last end.
  template <class It>
  void assign(It first, It last) {
    const auto n = static_cast<size_type>(std::distance(first, last));
    size_ = 0;
    reserve(n);
    std::copy(first, last, data_);
    size_ = n;
  }
  /// @brief Replace the contents by n copies of value. @param n size. @param value element.
  void assign(size_type n, const T& value) {
    size_ = 0;
    reserve(n);
    std::fill(data_, data_ + n, value);
    size_ = n;
  }

  /// @brief Number of elements. @return the size.
  size_type size() const noexcept { return size_; }
  /// @brief No elements? @return size() == 0.
  bool empty() const noexcept { return size_ == 0; }
  /// @brief Elements it can hold without reallocating. @return the capacity.
  size_type capacity() const noexcept { return capacity_; }
  /// @brief The first element's address. @return data pointer.
  T* data() noexcept { return data_; }
  /// @brief The first element's address. @return data pointer.
  const T* data() const noexcept { return data_; }

  /// @brief Iterators. @return begin.
  iterator begin() noexcept { return data_; }
  /// @brief Iterators. @return end.
  iterator end() noexcept { return data_ + size_; }
  /// @brief Iterators. @return begin.
  const_iterator begin() const noexcept { return data_; }
  /// @brief Iterators. @return end.
  const_iterator end() const noexcept { return data_ + size_; }
  /// @brief Iterators. @return begin.
  const_iterator cbegin() const noexcept { return data_; }
  /// @brief Iterators. @return end.
  const_iterator cend() const noexcept { return data_ + size_; }
  /// @brief Reverse iterators. @return rbegin.
  reverse_iterator rbegin() noexcept { return reverse_iterator(end()); }
  /// @brief Reverse iterators. @return rend.
  reverse_iterator rend() noexcept { return reverse_iterator(begin()); }
  /// @brief Reverse iterators. @return rbegin.
  const_reverse_iterator rbegin() const noexcept { return const_reverse_iterator(end()); }
  /// @brief Reverse iterators. @return rend.
  const_reverse_iterator rend() const noexcept { return const_reverse_iterator(begin()); }

  /// @brief Element i (unchecked). @param i index. @return the element.
  T& operator[](size_type i) noexcept { return data_[i]; }
  /// @brief Element i (unchecked). @param i index. @return the element.
  const T& operator[](size_type i) const noexcept { return data_[i]; }
  /// @brief Element i. @param i index. @return the element.
  /// @throws std::out_of_range when i >= size().
  const T& at(size_type i) const {
    if (i >= size_) throw std::out_of_range("SmallVector::at: index out of range");
    return data_[i];
  }
  /// @brief Element i. @param i index. @return the element.
  /// @throws std::out_of_range when i >= size().
  T& at(size_type i) {
    if (i >= size_) throw std::out_of_range("SmallVector::at: index out of range");
    return data_[i];
  }
  /// @brief First element. @return it.
  T& front() noexcept { return data_[0]; }
  /// @brief First element. @return it.
  const T& front() const noexcept { return data_[0]; }
  /// @brief Last element. @return it.
  T& back() noexcept { return data_[size_ - 1]; }
  /// @brief Last element. @return it.
  const T& back() const noexcept { return data_[size_ - 1]; }

  /// @brief Make room for n elements. @param n the capacity wanted.
  void reserve(size_type n) {
    if (n <= capacity_) return;
    const size_type grown = std::max(n, 2 * capacity_);
    T* bigger = new T[grown];
    std::copy(data_, data_ + size_, bigger);
    release();
    data_ = bigger;
    capacity_ = grown;
  }
  /// @brief Resize to n; new elements are `value`. @param n new size. @param value fill.
  void resize(size_type n, const T& value = T()) {
    reserve(n);
    if (n > size_) std::fill(data_ + size_, data_ + n, value);
    size_ = n;
  }
  /// @brief Remove every element (keeps the capacity).
  void clear() noexcept { size_ = 0; }
  /// @brief Append. @param value the element.
  void push_back(const T& value) {
    const T copy = value;  // value may live in this vector
    reserve(size_ + 1);
    data_[size_++] = copy;
  }
  /// @brief Append. @param value the element. @return the new last element.
  T& emplace_back(const T& value) {
    push_back(value);
    return back();
  }
  /// @brief Remove the last element.
  void pop_back() noexcept { --size_; }
  /// @brief Insert value before pos. @param pos where. @param value the element.
  /// @return an iterator to the inserted element.
  iterator insert(const_iterator pos, const T& value) {
    const auto at_index = static_cast<size_type>(pos - data_);
    const T copy = value;
    reserve(size_ + 1);
    std::copy_backward(data_ + at_index, data_ + size_, data_ + size_ + 1);
    data_[at_index] = copy;
    ++size_;
    return data_ + at_index;
  }
  /// @brief Insert [first, last) before pos. @param pos where. @param first begin.
  /// @param last end. @return an iterator to the first inserted element.
  template <class It, class = std::enable_if_t<!std::is_integral_v<It>>>
  iterator insert(const_iterator pos, It first, It last) {
    const auto at_index = static_cast<size_type>(pos - data_);
    const std::vector<T> values(first, last);  // the range may live in this vector
    reserve(size_ + values.size());
    std::copy_backward(data_ + at_index, data_ + size_, data_ + size_ + values.size());
    std::copy(values.begin(), values.end(), data_ + at_index);
    size_ += values.size();
    return data_ + at_index;
  }
  /// @brief Remove the element at pos. @param pos where. @return the element after it.
  iterator erase(const_iterator pos) { return erase(pos, pos + 1); }
  /// @brief Remove [first, last). @param first begin. @param last end.
  /// @return the element after the removed ones.
  iterator erase(const_iterator first, const_iterator last) {
    const auto from = static_cast<size_type>(first - data_);
    const auto to = static_cast<size_type>(last - data_);
    std::copy(data_ + to, data_ + size_, data_ + from);
    size_ -= to - from;
    return data_ + from;
  }

  /// @brief Same elements? @param a one. @param b the other. @return true if equal.
  friend bool operator==(const SmallVector& a, const SmallVector& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }
  /// @brief Lexicographic order. @param a one. @param b the other. @return the ordering.
  friend auto operator<=>(const SmallVector& a, const SmallVector& b) {
    return std::lexicographical_compare_three_way(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  bool on_heap() const noexcept { return data_ != inline_; }
  void release() noexcept {
    if (on_heap()) delete[] data_;
    data_ = inline_;
    capacity_ = N;
  }
  // Precondition: this holds no heap block.
  void steal(SmallVector& other) noexcept {
    if (other.on_heap()) {
      data_ = other.data_;
      capacity_ = other.capacity_;
      size_ = other.size_;
      other.data_ = other.inline_;
      other.capacity_ = N;
    } else {
      std::copy(other.data_, other.data_ + other.size_, inline_);
      data_ = inline_;
      capacity_ = N;
      size_ = other.size_;
    }
    other.size_ = 0;
  }

  T inline_[N] = {};
  T* data_ = inline_;
  size_type size_ = 0;
  size_type capacity_ = N;
};

}  // namespace knob
