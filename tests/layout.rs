//! Unit tests of the oxblas-core view types: bounds checks, overlap checks,
//! sub-views, transpose, reverse, zero-size views. Out-of-range access is
//! tested through `get` returning `None`, never through a panic.

use oxblas_core::{Error, Mat, MatMut, MatRef, VecMut, VecRef};

fn bad<T>(r: Result<T, Error>) -> bool {
    matches!(r, Err(Error::BadLayout(_)))
}

#[test]
fn matref_from_slice_checks_length() {
    let d = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0];
    assert!(MatRef::from_slice(&d, 2, 3).is_ok());
    assert!(MatRef::from_slice(&d, 3, 2).is_ok());
    assert!(bad(MatRef::from_slice(&d, 2, 2)));
    assert!(bad(MatRef::from_slice(&d, 4, 2)));
    assert!(bad(MatRef::from_slice(&d, usize::MAX, 2)));
    assert!(bad(MatRef::from_slice_col_major(&d, 7, 1)));
    let a = MatRef::from_slice_col_major(&d, 2, 3).unwrap();
    assert_eq!(
        (a[(0, 0)], a[(1, 0)], a[(0, 1)], a[(1, 2)]),
        (1.0, 2.0, 3.0, 6.0)
    );
}

#[test]
fn matref_from_parts_bounds() {
    let d: Vec<f64> = (0..20).map(f64::from).collect();
    // Fits exactly: last element at 2 + 3*5 + 2*1 = 19.
    let a = MatRef::from_parts(&d, 2, 4, 3, 5, 1).unwrap();
    assert_eq!(a[(3, 2)], 19.0);
    assert!(
        bad(MatRef::from_parts(&d, 3, 4, 3, 5, 1)),
        "one past the end"
    );
    assert!(
        bad(MatRef::from_parts(&d, 21, 0, 0, 1, 1)),
        "offset past the end"
    );
    // Negative strides: offset must leave room below.
    let r = MatRef::from_parts(&d, 15, 4, 2, -5, 1).unwrap();
    assert_eq!((r[(0, 0)], r[(3, 1)]), (15.0, 1.0));
    assert!(
        bad(MatRef::from_parts(&d, 14, 4, 2, -5, 1)),
        "reaches index -1"
    );
    assert!(
        bad(MatRef::from_parts(&d, 1, 2, 3, 1, -1)),
        "negative column stride below 0"
    );
    // Zero strides (broadcast) are fine for immutable views.
    let z = MatRef::from_parts(&d, 7, 3, 4, 0, 0).unwrap();
    assert!(z.t().get(3, 2).is_some_and(|&x| x == 7.0));
    // Huge strides must not overflow.
    assert!(bad(MatRef::from_parts(&d, 0, 2, 2, isize::MAX, 1)));
    assert!(bad(MatRef::from_parts(&d, 0, 2, 2, isize::MIN, 1)));
    assert!(bad(MatRef::from_parts(&d, 0, usize::MAX, usize::MAX, 1, 1)));
}

#[test]
fn zero_size_views() {
    let empty: [f32; 0] = [];
    for (r, c) in [(0, 0), (0, 5), (5, 0)] {
        let a = MatRef::from_slice(&empty, r, c).unwrap();
        assert!(a.is_empty());
        assert_eq!(a.shape(), (r, c));
        assert_eq!(a.t().shape(), (c, r));
        assert!(a.get(0, 0).is_none());
        assert_eq!(a.to_owned().shape(), (r, c));
        assert_eq!(a.as_row_major_slice(), Some(&[][..]));
        let a = MatRef::from_slice_col_major(&empty, r, c).unwrap();
        assert_eq!(a.reverse_rows().shape(), (r, c));
        assert_eq!(a.reverse_cols().shape(), (r, c));
    }
    // A zero-size view of a buffer with any strides, at the end of it.
    let d = [1.0f64; 4];
    assert!(MatRef::from_parts(&d, 4, 0, 3, 100, -100).is_ok());
}

#[test]
fn zero_size_mutable_views() {
    let mut empty: [f64; 0] = [];
    for (r, c) in [(0, 0), (0, 5), (5, 0)] {
        // A view with no elements cannot overlap itself, whatever its strides
        // (from_slice_col_major of a 0 x c matrix has column stride 0).
        let a = MatMut::from_slice(&mut empty, r, c);
        assert_eq!(
            a.map(|a| a.shape()),
            Ok((r, c)),
            "MatMut::from_slice {r}x{c}"
        );
        let a = MatMut::from_slice_col_major(&mut empty, r, c);
        assert_eq!(
            a.map(|a| a.shape()),
            Ok((r, c)),
            "MatMut::from_slice_col_major {r}x{c}"
        );
        let a = MatMut::from_parts(&mut empty, 0, r, c, 0, 0);
        assert_eq!(
            a.map(|a| a.shape()),
            Ok((r, c)),
            "MatMut::from_parts {r}x{c} zero strides"
        );
    }
    let mut m = Mat::<f64>::zeros(0, 3);
    assert_eq!(m.as_mut().reverse_rows().shape(), (0, 3));
}

#[test]
fn matmut_rejects_overlap() {
    let mut d = vec![0.0f64; 64];
    assert!(
        bad(MatMut::from_parts(&mut d, 0, 3, 3, 0, 1)),
        "zero row stride"
    );
    assert!(
        bad(MatMut::from_parts(&mut d, 0, 3, 3, 1, 0)),
        "zero column stride"
    );
    assert!(
        bad(MatMut::from_parts(&mut d, 0, 3, 3, 2, 1)),
        "rows overlap (stride 2 < 3 cols)"
    );
    assert!(
        bad(MatMut::from_parts(&mut d, 0, 4, 4, 1, 3)),
        "columns overlap"
    );
    assert!(
        bad(MatMut::from_parts(&mut d, 20, 3, 3, -2, 1)),
        "negative overlapping strides"
    );
    assert!(
        MatMut::from_parts(&mut d, 0, 3, 3, 3, 1).is_ok(),
        "dense row-major"
    );
    assert!(
        MatMut::from_parts(&mut d, 0, 3, 3, 1, 3).is_ok(),
        "dense column-major"
    );
    assert!(
        MatMut::from_parts(&mut d, 30, 3, 3, -3, -9).is_ok(),
        "both negative, disjoint"
    );
    assert!(
        MatMut::from_parts(&mut d, 0, 1, 5, 0, 1).is_ok(),
        "one row: row stride unused"
    );
    assert!(
        MatMut::from_parts(&mut d, 0, 5, 1, 7, 0).is_ok(),
        "one column: column stride unused"
    );
    assert!(
        bad(MatMut::from_parts(&mut d, 60, 3, 3, 3, 1)),
        "out of bounds"
    );
    assert!(
        bad(VecMut::from_parts(&mut d, 0, 2, 0)),
        "vector with zero stride"
    );
    assert!(
        VecMut::from_parts(&mut d, 0, 1, 0).is_ok(),
        "one element, any stride"
    );
    assert!(
        bad(VecMut::from_parts(&mut d, 0, 33, 2)),
        "vector out of bounds"
    );
    assert!(VecMut::from_parts(&mut d, 63, 32, -2).is_ok());
}

#[test]
fn get_returns_none_out_of_range() {
    let m = Mat::from_fn(3, 4, |i, j| (10 * i + j) as f64);
    let a = m.as_ref();
    assert_eq!(a.get(2, 3), Some(&23.0));
    assert_eq!(a.get(3, 0), None);
    assert_eq!(a.get(0, 4), None);
    assert_eq!(a.get(usize::MAX, usize::MAX), None);
    assert_eq!(m.get(3, 3), None);
    let v = a.row(1).unwrap();
    assert_eq!(v.get(3), Some(&13.0));
    assert_eq!(v.get(4), None);
    let mut m2 = m.clone();
    let mut am = m2.as_mut();
    assert_eq!(am.get(2, 3), Some(&23.0));
    assert!(am.get_mut(3, 3).is_none());
}

#[test]
fn transpose_reverse_and_subviews() {
    let m = Mat::from_fn(4, 5, |i, j| (10 * i + j) as f64);
    let a = m.as_ref();
    let t = a.t();
    assert_eq!(t.shape(), (5, 4));
    assert_eq!((t.row_stride(), t.col_stride()), (1, 5));
    for i in 0..4 {
        for j in 0..5 {
            assert_eq!(t[(j, i)], a[(i, j)]);
            assert_eq!(a.reverse_rows()[(i, j)], a[(3 - i, j)]);
            assert_eq!(a.reverse_cols()[(i, j)], a[(i, 4 - j)]);
        }
    }
    assert_eq!(a.reverse_rows().row_stride(), -5);
    assert_eq!(a.reverse_rows().reverse_rows().to_owned(), m);
    let s = a.submatrix(1, 2, 2, 3).unwrap();
    assert_eq!(
        s.to_owned(),
        Mat::from_rows(&[[12.0, 13.0, 14.0], [22.0, 23.0, 24.0]]).unwrap()
    );
    assert_eq!(s.t().submatrix(2, 1, 1, 1).unwrap()[(0, 0)], 24.0);
    assert!(bad(a.submatrix(3, 0, 2, 1)));
    assert!(bad(a.submatrix(0, 4, 1, 2)));
    assert!(bad(a.submatrix(usize::MAX, 0, 2, 1)));
    assert!(a.submatrix(4, 5, 0, 0).is_ok(), "empty block at the corner");
    assert_eq!(a.col(3).unwrap().to_vec(), vec![3.0, 13.0, 23.0, 33.0]);
    assert!(bad(a.col(5)));
    assert!(bad(a.row(4)));
    assert_eq!(a.diag().to_vec(), vec![0.0, 11.0, 22.0, 33.0]);
    assert_eq!(a.t().diag().len(), 4);
    assert_eq!(
        a.row(2).unwrap().reverse().to_vec(),
        vec![24.0, 23.0, 22.0, 21.0, 20.0]
    );
    assert_eq!(
        a.col(0).unwrap().subvector(1, 2).unwrap().to_vec(),
        vec![10.0, 20.0]
    );
    assert!(bad(a.col(0).unwrap().subvector(3, 2)));
    let (top, bottom) = a.split_at_row(1);
    assert_eq!(
        (top.shape(), bottom.shape(), bottom[(0, 0)]),
        ((1, 5), (3, 5), 10.0)
    );
    let (l, r) = a.split_at_col(2);
    assert_eq!((l.shape(), r.shape(), r[(0, 0)]), ((4, 2), (4, 3), 2.0));
    assert_eq!(a.as_row_major_slice(), Some(m.as_slice()));
    assert_eq!(a.t().as_row_major_slice(), None);
    assert_eq!(a.row_slice(1), Some(&m.as_slice()[5..10]));
    assert_eq!(a.t().row_slice(1), None);
}

#[test]
fn mutable_views_write_in_place() {
    let mut m = Mat::<f64>::zeros(3, 4);
    {
        let mut v = m.as_mut().submatrix(1, 1, 2, 2).unwrap();
        v[(0, 0)] = 1.0;
        v[(1, 1)] = 2.0;
        let mut t = m.as_mut().t();
        t[(3, 0)] = 5.0;
    }
    assert_eq!(m[(1, 1)], 1.0);
    assert_eq!(m[(2, 2)], 2.0);
    assert_eq!(m[(0, 3)], 5.0);
    {
        let (mut a, b) = m.as_mut().split_at_row(1);
        a.fill(7.0);
        b.row(0).unwrap().fill(-1.0);
    }
    assert_eq!(m.row(0), &[7.0; 4]);
    assert_eq!(m.row(1), &[-1.0; 4]);
    let src = Mat::from_fn(3, 4, |i, j| (i + j) as f64);
    m.as_mut().reverse_rows().copy_from(src.as_ref()).unwrap();
    assert_eq!(m[(2, 0)], 0.0);
    assert_eq!(m[(0, 3)], 5.0);
    assert!(matches!(
        m.as_mut().copy_from(src.t()),
        Err(Error::DimensionMismatch { .. })
    ));
}

#[test]
fn vector_views() {
    let d = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
    let v = VecRef::from_parts(&d, 6, 3, -3).unwrap();
    assert_eq!(v.to_vec(), vec![7.0, 4.0, 1.0]);
    assert!(bad(VecRef::from_parts(&d, 5, 3, -3)));
    assert!(bad(VecRef::from_parts(&d, 0, 5, 2)));
    assert!(VecRef::from_parts(&d, 7, 0, 5).is_ok());
    assert_eq!(v.as_slice(), None);
    assert_eq!(VecRef::from(&d[..]).as_slice(), Some(&d[..]));
    assert_eq!(v.as_col().shape(), (3, 1));
    assert_eq!(v.as_row()[(0, 2)], 1.0);
    let b = VecRef::from_parts(&d, 2, 5, 0).unwrap();
    assert_eq!(b.to_vec(), vec![3.0; 5], "broadcast");
}

#[test]
fn mat_constructors() {
    assert!(bad(Mat::from_vec(2, 3, vec![0.0f64; 5])));
    assert!(bad(Mat::from_vec(usize::MAX, 2, vec![0.0f64; 2])));
    let m = Mat::from_vec(2, 3, (0..6).map(f64::from).collect()).unwrap();
    assert_eq!(m[(1, 2)], 5.0);
    assert!(bad(Mat::from_rows(&[vec![1.0f64, 2.0], vec![3.0]])));
    let e: Mat<f64> = Mat::from_rows::<[f64; 0]>(&[]).unwrap();
    assert_eq!(e.shape(), (0, 0));
    assert_eq!(
        Mat::<f32>::identity(3).as_ref().diag().to_vec(),
        vec![1.0; 3]
    );
    assert_eq!(Mat::from_diag(&[1.0f64, 2.0])[(1, 1)], 2.0);
    assert_eq!(m.transpose(), m.t().to_owned());
    assert_eq!(m.transpose().shape(), (3, 2));
}
